from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import DateField, PasswordField, StringField, SubmitField
from wtforms.validators import Email, InputRequired

from riskreg.rules.passwords import MIN_LENGTH
from riskreg.services.tokens import NAME_MAX_LENGTH
from riskreg.web.forms import GovDateInput, required_text


class TokenForm(FlaskForm):
    name = required_text(
        "Name",
        "Enter a name for the token",
        max_length=NAME_MAX_LENGTH,
        hint="What the token is for, so you can tell your tokens apart. For example, Performance dashboard",
    )
    expires_on = DateField(
        "Expiry date",
        format="%d %m %Y",
        validators=[InputRequired("Enter the expiry date")],
        widget=GovDateInput(),
        description="The token stops working on this day. Up to a year from today. For example, 27 3 2027",
    )
    submit = SubmitField("Create token", widget=GovSubmitInput())


def new_password_field(label: str = "New password") -> PasswordField:
    return PasswordField(
        label,
        validators=[InputRequired("Enter a new password")],
        widget=GovPasswordInput(),
        description=f"At least {MIN_LENGTH} characters. A few words you will remember are easier to type than "
        "symbols. Passwords that are common or have leaked elsewhere are refused",
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password", validators=[InputRequired("Enter your current password")], widget=GovPasswordInput()
    )
    new_password = new_password_field()
    submit = SubmitField("Change password", widget=GovSubmitInput())


class ForgotPasswordForm(FlaskForm):
    email = StringField(
        "Email address",
        validators=[
            InputRequired("Enter your email address"),
            Email("Enter an email address in the correct format, like name@example.com"),
        ],
        widget=GovTextInput(),
    )
    submit = SubmitField("Send me a link", widget=GovSubmitInput())


class ResetPasswordForm(FlaskForm):
    new_password = new_password_field()
    submit = SubmitField("Set password", widget=GovSubmitInput())
