"""Build examples/model_act.pdf: a short fictional anti-trafficking act and a progress report.

Every sentence here was written for tipnlp's examples; none is taken from a real document.
Needs fpdf2 (in the `dev` extra):  python examples/make_example_pdf.py
"""

from pathlib import Path

from fpdf import FPDF

PAGES = [
    """THE MODEL ANTI-TRAFFICKING ACT
An Act to prevent trafficking in persons, to protect its victims and to punish offenders.

PART I - PRELIMINARY

1. Short title
This Act may be cited as the Model Anti-Trafficking Act.

2. Interpretation
In this Act, "exploitation" includes forced labour or services, slavery or practices similar to slavery, servitude, sexual exploitation and the removal of organs, tissue or body parts.

PART II - OFFENCES

3. Trafficking in persons
(1) A person who recruits, transports, transfers, harbours or receives another person by means of force, fraud or deception for the purpose of exploitation commits an offence.
(2) A person convicted of an offence under subsection (1) is liable to imprisonment for a term of not less than ten years.""",
    """4. Purchase of sexual services from a victim
(1) A person who pays for, or offers to pay for, sexual services knowing or having reason to believe that the person providing them is a victim of trafficking commits an offence.
(2) The court may order a person convicted under this section to attend an education programme on the harm caused by the purchase of sex.

5. Child sex tourism
A citizen who travels abroad and engages in sexual activity with a child commits an offence under this Act as if the act had been committed within the country.

6. Non-punishment of victims
A victim of trafficking shall not be detained, prosecuted or punished for any immigration offence, for the use of false travel documents, or for prostitution, where the act was a direct consequence of the person having been trafficked.""",
    """PART III - PREVENTION AND PROTECTION

7. Training of officials
(1) The Ministry of the Interior shall provide regular training to police officers, prosecutors, judges, labour inspectors, consular staff and border guards on identifying victims of trafficking, including victims of trafficking for the removal of organs, and on referring them to assistance.
(2) The training shall take account of the particular needs of women and girls.

8. Transparency in supply chains
(1) Every commercial organisation with an annual turnover above the prescribed amount shall publish each year a statement on the steps it has taken to ensure that forced labour and trafficking are not taking place in its supply chains.
(2) The statement shall describe the organisation's due diligence, its audits of suppliers and the training given to its procurement staff.

9. Recruitment agencies
No recruitment agency shall charge a worker any fee for finding employment, and the licence of an agency that does so shall be revoked.""",
    """PROGRESS REPORT OF THE NATIONAL TASK FORCE (EXAMPLE)

1. During the reporting year the task force trained 420 police officers and 65 prosecutors on victim identification and on the non-punishment principle.

2. No identified victim was prosecuted for immigration offences, although civil society organisations reported that some victims had been arrested before they were identified.

3. The government ran a campaign aimed at the buyers of commercial sex, warning that paying for sex with a trafficking victim is a crime.

4. Forty companies published supply chain statements; twelve reported audits that found recruitment fees charged to migrant workers and described how the fees were repaid.

5. The health ministry issued guidelines for transplant surgeons on recognising patients who may have bought an organ from a trafficked person.""",
]


def main() -> None:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_title("Model Anti-Trafficking Act (tipnlp example)")
    for text in PAGES:
        pdf.add_page()
        pdf.set_font("Helvetica", size=10)
        pdf.multi_cell(0, 5, text)
    out = Path(__file__).with_name("model_act.pdf")
    pdf.output(str(out))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
