"""`--shard I/N`: how ./scripts/test splits the suite between pytest processes side by side."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from services.chassis.testing import (
    LISTEN_PORTS,
    free_port,
    parse_shard,
    ports_of_shard,
    shard_of,
)


@dataclass(frozen=True)
class Item:
    """What shard_of reads of a pytest item: its name, and whether it is marked e2e."""

    name: str
    e2e: bool = False

    def get_closest_marker(self, name: str) -> object | None:
        return "marker" if name == "e2e" and self.e2e else None


def names(items: list[Item]) -> list[str]:
    return [item.name for item in items]


def test_every_test_runs_in_exactly_one_share_and_every_end_to_end_test_in_the_last() -> None:
    items = [Item(f"unit{n}") for n in range(7)] + [Item("e2e0", True), Item("e2e1", True)]
    items.insert(3, Item("e2e2", True))
    shares = [shard_of(items, f"{i}/3")[0] for i in (1, 2, 3)]

    assert names(shares[0]) == ["unit0", "unit2", "unit4", "unit6"]
    assert names(shares[1]) == ["unit1", "unit3", "unit5"]
    assert names(shares[2]) == ["e2e2", "e2e0", "e2e1"]  # in collection order
    assert sorted(name for share in shares for name in names(share)) == sorted(names(items))


def test_what_a_share_leaves_out_is_everything_else() -> None:
    items = [Item("a"), Item("b", True), Item("c")]
    kept, left_out = shard_of(items, "1/2")
    assert names(kept) == ["a", "c"] and names(left_out) == ["b"]


def test_without_end_to_end_tests_or_with_one_share_all_are_dealt() -> None:
    plain = [Item(f"unit{n}") for n in range(4)]
    assert names(shard_of(plain, "3/3")[0]) == ["unit2"]
    mixed = [Item("a"), Item("b", True)]
    assert names(shard_of(mixed, "1/1")[0]) == ["a", "b"]


@pytest.mark.parametrize("shard", ["0/3", "4/3", "3", "a/b", "-1/2", ""])
def test_a_shard_not_of_the_form_i_of_n_is_a_usage_error(shard: str) -> None:
    with pytest.raises(pytest.UsageError):
        parse_shard(shard)


def test_processes_side_by_side_listen_on_ports_no_other_picks() -> None:
    shares = [set(ports_of_shard(f"{i}/3")) for i in (1, 2, 3)]
    assert not (shares[0] & shares[1] or shares[1] & shares[2] or shares[0] & shares[2])
    assert all(len(share) == 4000 and share <= set(LISTEN_PORTS) for share in shares)
    assert ports_of_shard(None) == LISTEN_PORTS


def test_a_port_handed_out_is_not_handed_out_again_before_anything_listens_on_it() -> None:
    # A system under test takes a port for each of its processes, then starts them: none of
    # its ports may be another's, though nothing listens on any of them yet.
    taken = [free_port() for _ in range(200)]

    assert len(set(taken)) == len(taken)
    assert all(port in LISTEN_PORTS for port in taken)
