from oauth2_provider.oauth2_validators import OAuth2Validator


def _groups(request):
    return sorted(request.user.groups.values_list("name", flat=True))


class ClaimsValidator(OAuth2Validator):
    """Adds the claims authctl shows (`email`, `preferred_username`, `groups`,
    `name`) to ID tokens and to the userinfo answer."""

    oidc_claim_scope = dict(OAuth2Validator.oidc_claim_scope)
    oidc_claim_scope.update({"groups": "profile"})

    # Request-agnostic form (no `request` argument, values are callables), so
    # that the discovery document lists these claims in `claims_supported`.
    def get_additional_claims(self):
        return {
            "email": lambda r: r.user.email,
            "email_verified": lambda r: bool(r.user.email),
            "preferred_username": lambda r: r.user.get_username(),
            "name": lambda r: r.user.get_full_name() or r.user.get_username(),
            "given_name": lambda r: r.user.first_name,
            "family_name": lambda r: r.user.last_name,
            "groups": _groups,
        }
