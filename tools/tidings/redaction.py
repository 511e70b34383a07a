"""Keep secrets out of everything tidings prints or writes.

Credentials only ever come from environment variables. Before any message, log or error
text leaves the process, the values of secret-looking variables are replaced by their
names, so even a bug that formats a URL with a token in it cannot leak the token.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|KEY|WEBHOOK|CREDENTIAL|AUTH", re.I)
MIN_LENGTH = 6  # shorter values would blank out ordinary words


def secrets_in(env: Mapping[str, str] | None = None) -> dict[str, str]:
    env = os.environ if env is None else env
    return {
        value: name
        for name, value in env.items()
        if SECRET_NAME.search(name) and value and len(value) >= MIN_LENGTH
    }


def redact(text: str, env: Mapping[str, str] | None = None) -> str:
    for value, name in sorted(secrets_in(env).items(), key=lambda kv: -len(kv[0])):
        text = text.replace(value, f"<{name}>")
    return text
