"""Tables planners paste into their reports: the candidate ranking as CSV (opens in Excel)."""

from __future__ import annotations

import csv
import io

from gis.candidates import Ranking
from gis.weights import CRITERIA

CSV_COLUMNS: tuple[tuple[str, str], ...] = (
    ("rank", "排名"), ("village", "村庄"), ("village_id", "编号"), ("score", "得分"),
    ("completeness", "数据完整度"), ("location", "地理位置"), ("environment", "环境状况"),
    ("culture", "文化底蕴"), ("industry", "产业发展"), ("cadre", "干群基础"),
    ("missing", "缺少数据"), ("explanation", "说明"),
)


def ranking_csv(result: Ranking) -> str:
    """The ranking as CSV for a selection report: one row per candidate, bilingual header.

    Criterion columns hold the criterion's score 0..1 (empty without data). Written with
    a byte-order mark so that spreadsheet programs read the Chinese text as UTF-8.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([f"{zh} {en}" for en, zh in CSV_COLUMNS])
    for c in result.candidates:
        crit = {k: "" if v.score is None else f"{v.score:.3f}" for k, v in c.criteria.items()}
        writer.writerow([c.rank, c.village, c.village_id, f"{c.score:.1f}",
                         f"{c.completeness:.2f}", *(crit[k] for k in CRITERIA),
                         "; ".join(c.missing), c.explanation])
    return "\ufeff" + buffer.getvalue()
