"""A Word document (.docx) in the house style: A4, Noto Sans CJK, numbered figures and tables.

:class:`WordDocument` is what :mod:`maps.report` writes a village's section with
(python-docx): Word's own Title and Heading 1/2 styles (so Word's navigation pane and a
table of contents find the headings), tables with a repeated header row, figures and
tables numbered with ``SEQ`` fields (Word's list of figures finds them; the number is
also written as text, so LibreOffice and a PDF show it), page numbers in the footer.

Every style's font, East Asian font included (``w:eastAsia`` of ``rPr/rFonts``), is
:data:`CJK_FONT` (Debian ``fonts-noto-cjk``): Chinese text never falls back to a font
without its characters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from maps.style import Lang

CJK_FONT = "Noto Sans CJK SC"
"""The font of every style, Latin and East Asian (Debian ``fonts-noto-cjk``)."""
TEXT_WIDTH_CM = 16.0
"""The text width of the page: A4 (21 cm) less margins of 2.5 cm."""
_THEME_FONTS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
_LABELS = {"figure": {"zh": "图", "en": "Figure"}, "table": {"zh": "表", "en": "Table"},
           "page": {"zh": "第 {} 页", "en": "Page {}"}}


def set_fonts(rpr: Any, font: str = CJK_FONT) -> None:
    """Set every script's font of a run-properties element (``w:rPr``), themes removed.

    A theme font (``asciiTheme`` …) wins over a named one in Word, so it is dropped.
    """
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in _THEME_FONTS:
        rfonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), font)


def _field(paragraph: Any, instruction: str, shown: str) -> None:
    """A field (``SEQ``, ``PAGE``) of runs, with ``shown`` as its current text.

    Begin, instruction, separate, the text, end: Word updates it, LibreOffice and a
    reader of the text (python-docx, a PDF) see ``shown``.
    """
    def mark(kind: str) -> None:
        char = OxmlElement("w:fldChar")
        char.set(qn("w:fldCharType"), kind)
        paragraph.add_run()._r.append(char)

    mark("begin")
    code = OxmlElement("w:instrText")
    code.set(qn("xml:space"), "preserve")
    code.text = instruction
    paragraph.add_run()._r.append(code)
    mark("separate")
    paragraph.add_run(shown)
    mark("end")


class WordDocument:
    """A .docx being written: A4 portrait, CJK fonts, numbered figures and tables.

    Parameters
    ----------
    lang
        The language of the document (captions' labels, page numbers, its metadata).
    """

    def __init__(self, lang: Lang) -> None:
        self.lang = lang
        self.doc = Document()
        self.figures = 0
        self.tables = 0
        section = self.doc.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
        section.left_margin = section.right_margin = Cm(2.5)
        section.top_margin = section.bottom_margin = Cm(2.2)
        self._fonts()
        footer = section.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        before, _, after = _LABELS["page"][lang].partition("{}")
        footer.add_run(before)
        _field(footer, " PAGE ", "1")
        footer.add_run(after)

    def _fonts(self) -> None:
        """Every style (and the document's defaults) in :data:`CJK_FONT`; the languages."""
        styles = self.doc.styles
        defaults = styles.element.find(qn("w:docDefaults"))
        rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
        set_fonts(rpr)
        lang = rpr.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            rpr.append(lang)
        lang.set(qn("w:val"), "zh-CN" if self.lang == "zh" else "en-GB")
        lang.set(qn("w:eastAsia"), "zh-CN")
        for style in styles:
            if style.type in (WD_STYLE_TYPE.PARAGRAPH, WD_STYLE_TYPE.CHARACTER,
                              WD_STYLE_TYPE.TABLE):
                set_fonts(style.element.get_or_add_rPr())
        styles["Normal"].font.size = Pt(10.5)
        cell = styles.add_style("VGIS Table Text", WD_STYLE_TYPE.PARAGRAPH)
        cell.base_style = styles["Normal"]
        cell.font.size = Pt(9)
        cell.paragraph_format.space_after = Pt(0)
        set_fonts(cell.element.get_or_add_rPr())

    def title(self, text: str, lines: Sequence[str]) -> None:
        """The title (Word's Title style) and the lines under it (place, plan, date …)."""
        self.doc.add_heading(text, level=0)
        for line in lines:
            self.doc.add_paragraph(line).paragraph_format.space_after = Pt(2)
        props = self.doc.core_properties
        props.title = text
        props.language = "zh-CN" if self.lang == "zh" else "en-GB"
        props.created = dt.datetime.now(dt.UTC).replace(tzinfo=None)

    def heading(self, text: str, level: int = 1) -> None:
        """A heading in Word's Heading 1 or 2 style."""
        self.doc.add_heading(text, level=level)

    def paragraph(self, text: str, *, small: bool = False, keep: bool = False) -> None:
        """A paragraph of body text (``small``: 8 pt grey, for notes and credits).

        ``keep``: on the page of what follows (an introduction to a table).
        """
        para = self.doc.add_paragraph(text)
        para.paragraph_format.keep_with_next = keep
        if small:
            for run in para.runs:
                run.font.size = Pt(8)
                run.font.color.rgb = RGBColor(0x44, 0x44, 0x44)

    def _caption(self, kind: str, text: str) -> int:
        """A numbered caption (Caption style, ``SEQ`` field); the number it got."""
        if kind == "figure":
            self.figures += 1
            number = self.figures
        else:
            self.tables += 1
            number = self.tables
        para = self.doc.add_paragraph(style="Caption")
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        label = _LABELS[kind][self.lang]
        para.add_run(f"{label} ")
        _field(para, f" SEQ {label} \\* ARABIC ", str(number))
        para.add_run(f"  {text}")
        if kind == "table":
            para.paragraph_format.keep_with_next = True
        return number

    def figure(self, image: Path, caption: str, width_cm: float = TEXT_WIDTH_CM) -> int:
        """An image ``width_cm`` wide, centred, its numbered caption under it; the number."""
        self.doc.add_picture(str(image), width=Cm(width_cm))
        picture = self.doc.paragraphs[-1]
        picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
        picture.paragraph_format.keep_with_next = True
        return self._caption("figure", caption)

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]], *,
              caption: str | None = None, right: Sequence[int] = ()) -> None:
        """A table with a header row repeated on every page; ``right``: right-aligned columns.

        With ``caption``, a numbered caption above it.
        """
        if caption is not None:
            self._caption("table", caption)
        table = self.doc.add_table(rows=1, cols=len(header))
        table.style = self.doc.styles["Table Grid"]
        head = table.rows[0]
        mark = OxmlElement("w:tblHeader")
        mark.set(qn("w:val"), "true")
        head._tr.get_or_add_trPr().append(mark)
        # the style by its id: python-docx's lookup by style object is slow for long tables
        text_style = self.doc.styles["VGIS Table Text"].style_id
        for cell, text in zip(head.cells, header, strict=True):
            para = cell.paragraphs[0]
            para._p.style = text_style
            para.add_run(text).bold = True
        for row in rows:
            for k, (cell, text) in enumerate(zip(table.add_row().cells, row, strict=True)):
                para = cell.paragraphs[0]
                para._p.style = text_style
                para.add_run(text)
                if k in right:
                    para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        self.doc.add_paragraph().paragraph_format.space_after = Pt(2)

    def save(self, output: Path) -> Path:
        """Write the document to ``output`` (its folder made when missing)."""
        output.parent.mkdir(parents=True, exist_ok=True)
        self.doc.save(str(output))
        return output
