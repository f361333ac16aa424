"""Announcements after commit (sellflow.transactions): one send per transaction with every id,
at once outside a transaction, held together across work that commits piece by piece, never for
what rolled back. These tests commit for real (transaction=True): inside a test's own
transaction nothing would ever commit."""

import pytest
from django.db import transaction
from django.dispatch import Signal

from products.models import Product
from sellflow.transactions import after_commit_batched, batched_announcements

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def announced():
    signal, sends = Signal(), []

    def receiver(sender, ids, **kwargs):
        sends.append(ids)

    signal.connect(receiver, weak=False)
    return signal, sends


def test_outside_a_transaction_the_ids_go_at_once(announced):
    signal, sends = announced

    after_commit_batched(signal, sender=Product, ids=[3, 1])

    assert sends == [[1, 3]]


def test_one_transaction_announces_once_with_every_id_after_it_commits(announced):
    signal, sends = announced

    with transaction.atomic():
        after_commit_batched(signal, sender=Product, ids=[2])
        after_commit_batched(signal, sender=Product, ids=[1, 2])
        assert sends == []

    assert sends == [[1, 2]]


def test_a_rolled_back_transaction_announces_nothing_and_the_next_starts_afresh(announced):
    signal, sends = announced

    with pytest.raises(RuntimeError), transaction.atomic():
        after_commit_batched(signal, sender=Product, ids=[1])
        raise RuntimeError
    with transaction.atomic():
        after_commit_batched(signal, sender=Product, ids=[2])

    assert sends == [[2]]


def test_pieces_committed_one_by_one_announce_once_and_a_failed_piece_not_at_all(announced):
    signal, sends = announced

    with batched_announcements():
        for product_id in (1, 2, 3):
            try:
                with transaction.atomic():
                    after_commit_batched(signal, sender=Product, ids=[product_id])
                    if product_id == 2:
                        raise ValueError("this row is refused")
            except ValueError:
                pass
        with batched_announcements():  # nested: the outer block sends
            after_commit_batched(signal, sender=Product, ids=[4])
        assert sends == []

    assert sends == [[1, 3, 4]]


def test_a_catalog_import_refreshes_recommendations_once(seller_client):
    from unittest import mock

    csv = "sku,name,price\nKT-1,Kente stole,149.00\nBD-1,Bead necklace,-5.00\nSB-1,Shea butter,45.00\n"
    from tests.products.test_import_export import import_csv

    with mock.patch("ai.tasks.refresh_products_recommendations.delay") as refresh:
        response = import_csv(seller_client, csv)

    assert response.status_code == 200
    assert (response.json()["created"], response.json()["rejected"]) == (2, 1)
    refresh.assert_called_once_with(sorted(Product.objects.values_list("pk", flat=True)))
