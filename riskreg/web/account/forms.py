from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import DateField, SubmitField
from wtforms.validators import InputRequired

from riskreg.services.tokens import NAME_MAX_LENGTH
from riskreg.web.forms import GovDateInput, required_text


class TokenForm(FlaskForm):
    name = required_text(
        "Name", "Enter a name for the token", max_length=NAME_MAX_LENGTH,
        hint="What the token is for, so you can tell your tokens apart. For example, Performance dashboard",
    )  # fmt: skip
    expires_on = DateField(
        "Expiry date",
        format="%d %m %Y",
        validators=[InputRequired("Enter the expiry date")],
        widget=GovDateInput(),
        description="The token stops working on this day. Up to a year from today. For example, 27 3 2027",
    )
    submit = SubmitField("Create token", widget=GovSubmitInput())
