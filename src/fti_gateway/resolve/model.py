"""The Fellegi–Sunter model as Splink 5 settings: comparisons, levels and blocking rules.

Every level is a :class:`splink.comparison_level_library.CustomLevel` written in DuckDB SQL
with ``base_dialect_str="duckdb"``; Splink translates it (via sqlglot) for Spark, so both
backends run the *same* model. We use only functions both engines have natively
(``levenshtein``, list/array membership, ``substr``), so the Spark backend needs no jar.

Each level carries a label in words: the explanation of a match lists those labels with their
weights (Splink's waterfall as data).
"""

from __future__ import annotations

from typing import Any

from splink import Linker, SettingsCreator, block_on
from splink.comparison_level_library import CustomLevel, ElseLevel
from splink.comparison_library import CustomComparison
from splink.internals.comparison_creator import ComparisonCreator
from splink.internals.comparison_level_creator import ComparisonLevelCreator

from fti_gateway.resolve.index import TF_COLUMNS

#: The level a subject who gives only an initial reaches; its u is set from the vault's
#: initials after training (see :func:`.training.initial_u`).
FIRST_INITIAL = "first initial agrees"


def _lvl(sql: str, label: str) -> CustomLevel:
    return CustomLevel(sql, label_for_charts=label, base_dialect_str="duckdb")


def _null(*cols: str) -> ComparisonLevelCreator:
    cond = " OR ".join(f"{c}_l IS NULL OR {c}_r IS NULL" for c in cols)
    return CustomLevel(cond, label_for_charts="missing", base_dialect_str="duckdb").configure(
        is_null_level=True
    )


def comparisons() -> list[ComparisonCreator | dict[str, Any]]:
    """The comparisons, most specific level first."""
    first = CustomComparison(
        output_column_name="first_name",
        comparison_levels=[
            _null("fn"),
            _lvl("fn_l = fn_r", "first name equal").configure(tf_adjustment_column="fn"),
            _lvl(
                "array_contains(fn_alts_l, fn_r) OR array_contains(fn_alts_r, fn_l)",
                "first name is a nickname of the other",
            ),
            _lvl("levenshtein(fn_l, fn_r) <= 1", "first name one edit apart"),
            _lvl("(length(fn_l) = 1 OR length(fn_r) = 1) AND fn_i_l = fn_i_r", FIRST_INITIAL),
            _lvl("levenshtein(fn_l, fn_r) <= 2", "first name two edits apart"),
            ElseLevel().configure(label_for_charts="first name differs"),
        ],
    )
    last = CustomComparison(
        output_column_name="last_name",
        comparison_levels=[
            _null("ln"),
            _lvl("ln_l = ln_r", "surname equal").configure(tf_adjustment_column="ln"),
            _lvl("levenshtein(ln_l, ln_r) <= 1", "surname one edit apart"),
            _lvl(
                "array_contains(ln_tokens_l, ln_first_r) OR array_contains(ln_tokens_r, ln_first_l)",
                "shares one of a compound surname",
            ),
            _lvl("levenshtein(ln_l, ln_r) <= 2", "surname two edits apart"),
            ElseLevel().configure(label_for_charts="surname differs"),
        ],
    )
    middle = CustomComparison(
        output_column_name="middle_name",
        comparison_levels=[
            _null("mi"),
            _lvl("mn_l = mn_r", "middle name equal"),
            _lvl("mi_l = mi_r", "middle initial equal"),
            ElseLevel().configure(label_for_charts="middle name differs"),
        ],
    )
    sfx = CustomComparison(
        output_column_name="suffix",
        comparison_levels=[
            _null("sfx"),
            _lvl("sfx_l = sfx_r", "suffix equal"),
            ElseLevel().configure(label_for_charts="suffix differs (e.g. Sr vs Jr)"),
        ],
    )
    # Dates: a digit typo is only "nearly equal" inside the same decade. A different decade
    # digit (1988 vs 1968) is also what a father and son 20 years apart look like, so it
    # falls to "differs" — the Sr/Jr case must never look like a typo.
    dob = CustomComparison(
        output_column_name="dob",
        comparison_levels=[
            _null("dob_s"),
            # Weighed by the date's frequency in the vault: a date many share ("1825-01-01",
            # a year recorded as a date) says less than a one-off date.
            _lvl("dob_s_l = dob_s_r", "date of birth equal").configure(
                tf_adjustment_column="dob_s"
            ),
            _lvl(
                "levenshtein(dob_s_l, dob_s_r) <= 1 AND substr(dob_s_l, 1, 3) = substr(dob_s_r, 1, 3)",
                "date of birth one digit off (same decade)",
            ),
            _lvl(
                "substr(dob_s_l, 1, 4) = substr(dob_s_r, 1, 4) AND substr(dob_s_l, 6, 2) = "
                "substr(dob_s_r, 9, 2) AND substr(dob_s_l, 9, 2) = substr(dob_s_r, 6, 2)",
                "date of birth day and month swapped",
            ),
            _lvl(
                "substr(dob_s_l, 6, 5) = substr(dob_s_r, 6, 5) AND abs(CAST(substr(dob_s_l, 1, 4) AS INT)"
                " - CAST(substr(dob_s_r, 1, 4) AS INT)) <= 1",
                "same birthday, year one apart",
            ),
            ElseLevel().configure(label_for_charts="date of birth differs"),
        ],
    )
    tin = CustomComparison(
        output_column_name="tin",
        comparison_levels=[
            _null("tin"),
            _lvl("tin_l = tin_r", "TIN equal"),
            _lvl("levenshtein(tin_l, tin_r) <= 2", "TIN one typo or swap apart"),
            ElseLevel().configure(label_for_charts="TIN differs"),
        ],
    )
    # One comparison for the whole address: street, ZIP and city move together when a person
    # moves, so scoring them separately would count one fact (moved / did not) three times.
    address = CustomComparison(
        output_column_name="address",
        comparison_levels=[
            CustomLevel(
                "(street_l IS NULL OR street_r IS NULL) AND (zip5_l IS NULL OR zip5_r IS NULL)"
                " AND (city_l IS NULL OR city_r IS NULL)",
                label_for_charts="missing",
                base_dialect_str="duckdb",
            ).configure(is_null_level=True),
            _lvl(
                "street_l = street_r AND (zip5_l = zip5_r OR city_l = city_r)"
                " AND (unit_l IS NULL OR unit_r IS NULL OR unit_l = unit_r)",
                "same address",
            ),
            _lvl(
                "street_l = street_r AND (zip5_l = zip5_r OR city_l = city_r)",
                "same building, other unit",
            ),
            # A typo in the type word ("setreet"), a run-on or split word ("lambriggstreet",
            # "brunto nstreet"): the street's core (number and name, no type word, no spaces)
            # tells these apart from another street as the whole line cannot.
            _lvl(
                "house_no_l = house_no_r AND zip5_l = zip5_r AND (levenshtein(street_l, street_r)"
                " <= 3 OR levenshtein(street_core_l, street_core_r) <= 2)",
                "same house number and ZIP, street nearly equal",
            ),
            _lvl("zip5_l = zip5_r", "same ZIP, street differs or not given"),
            # Not weighed by the city's frequency: rare surnames cluster in towns (families),
            # so a rare surname and a small town are not independent evidence. With the
            # adjustment, a stranger of a rare name, a DOB one digit off and the same small
            # town (a relative) reached the threshold on the 1M x 100k benchmark.
            _lvl(
                "city_l = city_r AND (state_l = state_r OR state_l IS NULL OR state_r IS NULL)",
                "same city, street differs or not given",
            ),
            _lvl("state_l = state_r", "same state only"),
            ElseLevel().configure(label_for_charts="address differs"),
        ],
    )
    return [first, last, middle, sfx, dob, tin, address]


def blocking_rules() -> list[Any]:
    """Candidate pairs: any one shared key is enough. Each rule keeps a known error out of the
    way of recall: a wrong DOB (name + ZIP), a moved person (name + DOB), a misspelled
    surname (first name + DOB, DOB + ZIP, sound-alike surname + DOB or ZIP), a mistyped DOB
    (first name + surname + birth year), a changed name (TIN), a mangled name at a known
    address (street + ZIP or city: the household), a DOB missing or mistyped in the year on
    either side with no ZIP to fall back on (first name + surname + city: selective even in a
    big city, unlike first name + surname alone)."""
    return [
        block_on("tin"),
        block_on("ln_first", "dob_s"),
        block_on("fn", "dob_s"),
        block_on("ln_first", "fn_i", "zip5"),
        block_on("dob_s", "zip5"),
        block_on("ln_sdx", "fn_i", "zip5"),
        block_on("street", "zip5"),
        block_on("street", "city"),
        block_on("ln_sdx", "dob_s"),
        block_on("fn", "ln_first", "dob_y"),
        block_on("fn", "ln_first", "city"),
    ]


def settings_creator(probability_two_random_records_match: float) -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="uid",
        comparisons=comparisons(),
        blocking_rules_to_generate_predictions=blocking_rules(),
        probability_two_random_records_match=probability_two_random_records_match,
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=True,
        additional_columns_to_retain=[],
    )


def register_frequencies(linker: Linker, api: Any) -> None:
    """Give ``linker`` the vault's value frequencies (``index.TF_COLUMNS``, the tables
    ``api`` sees as ``tf_<column>``), for the levels weighed by them: training and scoring
    must weigh with the same ones."""
    for col in TF_COLUMNS:
        tf = api.register(f"tf_{col}", table_name=f"tf_{col}_sdf")
        linker.table_management.register_term_frequency_lookup(tf, col)
