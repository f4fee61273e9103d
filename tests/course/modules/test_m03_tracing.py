"""Module 03's key: what it asks of the instructor's key, without a case."""
from labs.course.modules.m03_tracing import cashout

DEPOSIT, OTHER = "bcrt1qdeposit", "bcrt1qother"


def row(address, amount, tx, actor="perpetrator", venue="exchange"):
    return {"chain": "bitcoin", "address": address, "asset": "BTC", "amount": str(amount), "tx": tx,
            "actor": actor, "venue": venue, "exchange": "Kestrel"}


def test_the_cash_out_is_all_the_perpetrator_paid_into_one_deposit_address():
    # twelve deposits of one CoinJoin's postmix coins into one account: the answer is their sum
    key = {"cashouts": [row(DEPOSIT, 4_999_780, f"t{i}") for i in range(12)] + [row(OTHER, 30_000_000, "big")]}
    c = cashout(key)
    assert (c["address"], c["amount"], c["tx"]) == (DEPOSIT, str(12 * 4_999_780), "t0")


def test_mules_and_otc_desks_are_not_the_perpetrators_exchange_cash_out():
    key = {"cashouts": [row(OTHER, 9, "m", actor="mule-001"), row(OTHER, 8, "o", venue="otc"), row(DEPOSIT, 5, "p")]}
    assert cashout(key)["address"] == DEPOSIT
    assert cashout({"cashouts": key["cashouts"][:2]}) is None
