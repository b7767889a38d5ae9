from topology.admin_units import load_structure, province_number_order


def test_pre2025_counts_match_march_2025():
    structure = load_structure("pre2025")
    assert len(structure.provinces) == 63
    assert structure.district_count == 696
    assert structure.commune_count == 10_035


def test_2025_counts_match_july_2025_reform():
    structure = load_structure("2025")
    assert len(structure.provinces) == 34
    assert structure.district_count == 0
    assert structure.commune_count == 3_321


def test_province_numbers_reproduce_published_nghe_an_code():
    numbers = {p.name: p.number for p in load_structure("pre2025").provinces}
    assert numbers["Tỉnh Nghệ An"] == 41
    assert sorted(numbers.values()) == list(range(1, 64))


def test_vietnamese_alphabet_orders_d_before_dd():
    assert province_number_order(["Điện Biên", "Đà Nẵng", "Cà Mau", "Cao Bằng"]) == [
        "Cà Mau", "Cao Bằng", "Đà Nẵng", "Điện Biên"]


def test_every_unit_has_coordinates_in_vietnam():
    for structure_name in ("pre2025", "2025"):
        for province in load_structure(structure_name).provinces:
            assert 8 < province.lat < 24 and 102 < province.lon < 110
