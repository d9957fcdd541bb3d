"""The children's social care pack, as an indicators plugin."""

from __future__ import annotations

from importlib.resources import files

import indicators

PACK = files(__name__) / "childrens-social-care.toml"


@indicators.hookimpl
def indicators_packs():
    return {"childrens-social-care": PACK}
