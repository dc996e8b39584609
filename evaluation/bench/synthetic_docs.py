"""Synthetic test documents: a fictional national anti-trafficking act plus an implementation report.

All wording is written for this file (no corpus text). The text is varied by a seeded generator so a
100- or 1,000-page PDF is not the same page repeated (which would flatter caches and header removal),
and it carries the structure real documents have: parts, sections, sub-sections, lettered items,
numbered report paragraphs, a running header and a page footer.

Used by ``run_benchmarks.py``, ``evaluation/fuzz/run_fuzz.py`` and the memory checks.
"""

from __future__ import annotations

import random
import textwrap
from pathlib import Path

COUNTRY = "Republic of Varnland"
HEADER = "Varnland Gazette - Prevention of Trafficking in Persons Act and Implementation Report"

_AUTHORITIES = [
    "the National Coordination Council", "the Labour Inspectorate", "the Directorate of Public Prosecutions",
    "the Ministry of Social Welfare", "the Border Police", "the Office of the Victim Advocate",
    "the Ministry of Foreign Affairs", "the Judicial Training Institute", "the Maritime Authority",
]
_GROUPS = [
    "children", "migrant workers", "domestic workers", "fishers", "seasonal farm workers",
    "asylum seekers", "persons with disabilities", "women recruited for hospitality work",
]
_SECTORS = ["fishing", "construction", "agriculture", "garment manufacturing", "domestic service", "mining"]

# Topic -> sentence templates; {a}, {g}, {s}, {n}, {d} are filled at random.
_SENTENCES: dict[str, list[str]] = {
    "offence": [
        "A person who recruits, transports, transfers, harbours or receives another person by means of threat, force, deception or abuse of a position of vulnerability for the purpose of exploitation commits the offence of trafficking in persons.",
        "The consent of a victim to the intended exploitation is irrelevant where any of the means set out in this section has been used.",
        "Where the victim is a child, the offence is committed even if none of the means set out in subsection (1) has been used.",
        "A person convicted of an offence under this section is liable to imprisonment for a term of not less than {n} years and not more than {d} years.",
        "The court shall treat as an aggravating factor that the offence was committed by a public official or caused serious harm to {g}.",
        "Any person who knowingly uses the services of a victim of trafficking commits an offence.",
        "Proceeds of an offence under this Part shall be confiscated and paid into the Victims Compensation Fund.",
    ],
    "protection": [
        "{a} shall ensure that every presumed victim is referred within {n} hours to assistance, including safe accommodation, medical care, counselling and legal aid.",
        "A victim shall not be detained, charged or prosecuted for unlawful acts committed as a direct consequence of having been trafficked.",
        "Assistance to a victim shall not be made conditional on the victim's willingness to cooperate with investigators or to give evidence.",
        "A foreign victim shall be granted a recovery and reflection period of not less than {d} days, during which no removal order may be enforced.",
        "Specialised shelters for {g} shall be operated by {a} in cooperation with accredited civil society organisations.",
        "Every victim is entitled to seek compensation from the offender, and, where this cannot be obtained, from the Victims Compensation Fund.",
        "Interviews of child victims shall be conducted by trained staff in a child-friendly setting and recorded so that repeated questioning is avoided.",
    ],
    "prevention": [
        "{a} shall carry out public awareness campaigns on the risks of trafficking, aimed in particular at {g}.",
        "No private recruitment agency may charge a recruitment fee to a worker, and every agency shall be licensed and inspected at least once a year.",
        "Companies with an annual turnover above {n} million shall publish a yearly statement of the steps taken to identify forced labour in their supply chains, in particular in {s}.",
        "Labour inspectors may enter any workplace in the {s} sector without prior notice to verify wages, working hours and the retention of identity documents.",
        "The retention of a worker's passport or identity card by an employer is prohibited.",
        "Public procurement contracts shall include a clause allowing termination where forced labour is found among suppliers.",
    ],
    "coordination": [
        "{a} shall adopt a national action plan for a period of {n} years, with measurable targets and a dedicated budget.",
        "{a} shall collect and publish disaggregated data on identified victims by age, sex, nationality and form of exploitation.",
        "A national referral mechanism shall define the roles of police, prosecutors, labour inspectors, health workers and service providers.",
        "{a} shall provide regular training to judges, prosecutors, police officers and consular staff on the identification of victims and victim-centred investigation.",
        "An independent national rapporteur shall report every year to Parliament on the implementation of this Act.",
    ],
    "cooperation": [
        "{a} may conclude agreements with other States on the exchange of information, joint investigations and the safe return of victims.",
        "Requests for mutual legal assistance in trafficking cases shall be dealt with as a matter of priority.",
        "The return of a victim to the State of origin shall take due regard of the safety of the person and the status of any legal proceedings.",
        "Varnland shall cooperate with regional organisations and United Nations bodies in the prevention of trafficking along migration routes.",
    ],
    "report": [
        "During the reporting period, {a} identified {n} victims, of whom {d} were {g}.",
        "The number of prosecutions rose to {n}, while convictions remained low at {d}, mainly because victims withdrew from proceedings.",
        "Labour exploitation in {s} accounted for the largest share of identified cases for the first time.",
        "Shelter capacity remained insufficient outside the capital, and {g} were at times placed in general accommodation.",
        "{a} trained {n} front-line officers, but staff turnover limited the effect of the training.",
        "The hotline received {n} calls, of which {d} led to a referral to the police or to a service provider.",
        "The Council recommends that funding for victim assistance be made multi-annual and that the compensation fund be simplified.",
        "Civil society partners reported delays of up to {d} days in the issuing of residence permits to foreign victims.",
        "Online recruitment through social media platforms was identified as an emerging risk for {g}.",
    ],
}

_PARTS = [
    ("PRELIMINARY", ["Short title and commencement", "Interpretation", "Application"]),
    ("OFFENCES", ["Trafficking in persons", "Aggravated trafficking", "Forced labour and servitude",
                  "Use of services of a victim", "Confiscation of proceeds"]),
    ("PROTECTION AND ASSISTANCE OF VICTIMS", ["Identification of victims", "Assistance and shelter",
                                              "Non-punishment of victims", "Compensation", "Child victims",
                                              "Reflection period and residence"]),
    ("PREVENTION", ["Awareness", "Recruitment agencies", "Transparency in supply chains", "Labour inspection"]),
    ("NATIONAL COORDINATION", ["National Coordination Council", "National action plan", "Data collection",
                               "Training", "National rapporteur"]),
    ("INTERNATIONAL COOPERATION", ["Agreements with other States", "Mutual legal assistance", "Return of victims"]),
]
_PART_TOPIC = {
    "PRELIMINARY": "coordination", "OFFENCES": "offence", "PROTECTION AND ASSISTANCE OF VICTIMS": "protection",
    "PREVENTION": "prevention", "NATIONAL COORDINATION": "coordination", "INTERNATIONAL COOPERATION": "cooperation",
}
_ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV",
          "XVI", "XVII", "XVIII", "XIX", "XX"]


def _sentence(rng: random.Random, topic: str) -> str:
    n = rng.randint(2, 400)
    return rng.choice(_SENTENCES[topic]).format(
        a=rng.choice(_AUTHORITIES), g=rng.choice(_GROUPS), s=rng.choice(_SECTORS), n=n, d=n + rng.randint(1, 90)
    )


def _capital(s: str) -> str:
    return s[:1].upper() + s[1:]


def _sentences(rng: random.Random, topic: str, k: int) -> str:
    """``k`` different sentences of one topic, capitalised."""
    seen: list[str] = []
    for _ in range(k * 4):
        s = _capital(_sentence(rng, topic))
        if s.split()[:6] not in [t.split()[:6] for t in seen]:
            seen.append(s)
        if len(seen) == k:
            break
    return " ".join(seen)


def synthetic_blocks(n_chars: int, seed: int = 0) -> list[str]:
    """Logical lines (not wrapped) of an act followed by a report, about ``n_chars`` characters long.

    When the act's structure runs out, it starts a new "consolidated" volume with the next part
    numbers, and every other volume is a report with numbered paragraphs.
    """
    rng = random.Random(seed)
    out: list[str] = []
    size = 0
    volume = 0
    section_no = 0
    para_no = 0

    def add(line: str) -> None:
        nonlocal size
        out.append(line)
        size += len(line) + 1

    while size < n_chars:
        volume += 1
        if volume % 2 == 1:
            add(f"PREVENTION AND SUPPRESSION OF TRAFFICKING IN PERSONS ACT, No. {volume} of 2031")
            add("")
            add(f"An Act to prevent and combat trafficking in persons in the {COUNTRY}, to protect and "
                "assist its victims and to promote cooperation to these ends.")
            add("")
            for pi, (part, titles) in enumerate(_PARTS, start=1):
                add(f"PART {_ROMAN[(pi - 1) % len(_ROMAN)]}")
                add(part)
                add("")
                topic = _PART_TOPIC[part]
                for title in titles:
                    section_no += 1
                    add(f"{section_no}. {title}")
                    for sub in range(1, rng.randint(2, 4) + 1):
                        add(f"({sub}) " + _sentences(rng, topic, rng.randint(1, 3)))
                        if rng.random() < 0.35:
                            for li in "abcd"[: rng.randint(2, 4)]:
                                add(f"({li}) {_sentence(rng, topic)[:-1].lower()};")
                    add("")
                    if size >= n_chars:
                        return out
        else:
            add(f"ANNUAL REPORT ON THE IMPLEMENTATION OF THE ACT, {2030 + volume // 2}")
            add("")
            for ci, chapter in enumerate(["Introduction", "Identification of victims", "Prosecution",
                                          "Protection and assistance", "Prevention", "Recommendations"]):
                add(f"{_ROMAN[ci]}. {chapter}")
                add("")
                for _ in range(rng.randint(3, 7)):
                    para_no += 1
                    add(f"{para_no}. " + _sentences(rng, "report", rng.randint(2, 5)))
                    add("")
                    if size >= n_chars:
                        return out
    return out


def synthetic_pages(n_pages: int, seed: int = 0, lines_per_page: int = 46, width: int = 92) -> list[str]:
    """Page texts (header, wrapped body lines, footer ``Page i of n``) of an ``n_pages`` document."""
    body: list[str] = []
    blocks = synthetic_blocks(n_pages * lines_per_page * width, seed)
    for line in blocks:
        body.extend(textwrap.wrap(line, width) or [""])
    pages = []
    for i in range(n_pages):
        chunk = body[i * lines_per_page : (i + 1) * lines_per_page]
        pages.append("\n".join([HEADER, "", *chunk, "", f"Page {i + 1} of {n_pages}"]))
    return pages


def write_text_pdf(pages: list[str], path: str | Path, *, title: str | None = None, compress: bool = True) -> Path:
    """One PDF page per string, one ``text()`` call per line (much faster than ``multi_cell``).

    Text must be latin-1 (fpdf2's core Helvetica font); A4, 10 pt, 5.5 mm line pitch.
    """
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_compression(compress)
    pdf.set_font("Helvetica", size=10)
    if title:
        pdf.set_title(title)
    for text in pages:
        pdf.add_page()
        y = 15.0
        for line in text.split("\n"):
            if line:
                pdf.text(15, y, line)
            y += 5.5
    path = Path(path)
    pdf.output(str(path))
    return path


def synthetic_pdf(path: str | Path, n_pages: int, seed: int = 0, compress: bool = True) -> Path:
    """Write an ``n_pages`` synthetic act + report PDF to ``path``."""
    return write_text_pdf(synthetic_pages(n_pages, seed), path, title="Varnland Trafficking in Persons Act",
                          compress=compress)


if __name__ == "__main__":  # quick look: python evaluation/bench/synthetic_docs.py 3
    import sys

    for page in synthetic_pages(int(sys.argv[1]) if len(sys.argv) > 1 else 2):
        print(page)
        print("\f")
