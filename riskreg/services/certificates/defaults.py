"""The default certificate template: the nine sections of the inspection report (paragraph 4.2)."""

DEFAULT_SECTIONS: list[tuple[str, list[str]]] = [
    (
        "Areas of high operational risk",
        [
            "Controls over custody time limits operated effectively throughout the year",
            "Disclosure obligations were met in the cases sampled",
            "Hate crime cases were identified and flagged in line with policy",
        ],
    ),
    (
        "Management of people",
        [
            "Workforce plans matched staffing and skills to the caseload",
            "Sickness absence was managed in line with policy",
        ],
    ),
    ("Change initiatives", ["Change projects had clear governance and tracked their benefits"]),
    (
        "Efficient use of resources",
        [
            "Spending stayed within delegated budgets and was monitored monthly",
            "Agent and counsel fees were authorised and checked before payment",
        ],
    ),
    (
        "Propriety in the conduct of business",
        [
            "Gifts, hospitality and conflicts of interest were declared and recorded",
            "Complaints were answered within the target time",
        ],
    ),
    ("Assignment of roles and responsibilities", ["Every risk and countermeasure had a named owner who reviewed it"]),
    (
        "Guidance and training of staff",
        [
            "Mandatory training, including disclosure and information security, was completed by all staff",
        ],
    ),
    (
        "Business planning processes and operations",
        [
            "The business plan was monitored quarterly and business continuity plans were tested",
        ],
    ),
    (
        "Management of information systems to inform decision-making",
        [
            "Case management data was checked for quality and used in performance reviews",
            "Personal and sensitive information was handled securely and breaches were reported",
        ],
    ),
]
