"""The demo functions as an endpoint calls them: the retry loop and the tokenizer bound."""

from demos import FUNCTIONS, inject
from demos.retry_runs import RetryForms
from retry import FakeClock, GaveUp, Retry
from tokenizer import Tokenizer

FORMS = RetryForms(loop=Retry, clock=FakeClock, gave_up=GaveUp)
INJECTED = {"retry": {"forms": FORMS}, "segmentations": {"tokenizer_factory": Tokenizer}}
SERVED = {slug: inject(f, **INJECTED.get(slug, {})) for slug, f in FUNCTIONS.items()}
