from loadtest.ledger import EDOC, STATUS, Journal, Ledger, status_key


def test_reconciles_lost_duplicates_and_unexpected_across_processes():
    sender, receiver = Journal(), Journal()
    sender.record_sent(EDOC, "D1", ["A", "B"], 1.0)
    sender.record_sent(EDOC, "D2", ["A"], 2.0)
    sender.record_sent(STATUS, status_key("D0", "01", "B"), ["S"], 2.0)
    receiver.record_fetch(EDOC, "D1", "A", 3.0)
    receiver.record_fetch(EDOC, "D1", "A", 4.0)   # fetched twice: a duplicate
    receiver.record_fetch(EDOC, "D1", "B", 3.0)
    receiver.record_fetch(EDOC, "D9", "C", 3.0)   # nobody accounted for sending it
    ledger = Ledger()
    ledger.merge(receiver.take())                 # order of arrival does not matter
    ledger.merge(sender.take())
    assert ledger.outstanding() == 2
    result = ledger.reconcile()
    assert result.deliveries == {EDOC: 3, STATUS: 1}
    assert result.delivered == {EDOC: 2, STATUS: 0}
    assert result.lost == {EDOC: 1, STATUS: 1} and result.total_lost == 2
    assert ("D2", "A") in result.lost_examples
    assert result.duplicates == 1 and result.unexpected == 1
    assert sender.take() == {"sent": [], "fetched": []}


def test_nothing_sent_nothing_lost():
    result = Ledger().reconcile()
    assert result.total_lost == 0 and result.duplicates == 0
