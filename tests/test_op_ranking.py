"""The OP ranker reads the passage: who acts decides 35 vs 36, the subject decides 38 vs 39."""

from __future__ import annotations

import numpy as np

from tipnlp.op_ranking import OpRanker


def _gold():
    inputs, gold = [], []
    for i in range(15):
        inputs.append({"text": f"Section {i}. Every commercial organisation shall prepare a slavery and human trafficking "
                               "statement each financial year; the Secretary of State may enforce this duty by injunction.",
                       "heading": "Transparency in supply chains", "doc_type": "law"})
        gold.append({"supply_chains": {"primary": 35, "secondary": []}})
        inputs.append({"text": f"In {2010 + i} we audited our suppliers, asked them to sign our supplier code of conduct "
                               "and trained our buyers on modern slavery risks.",
                       "heading": "Our actions", "doc_type": "corporate_statement"})
        gold.append({"supply_chains": {"primary": 36, "secondary": []}})
        inputs.append({"text": f"Unit {i}. The Ministry shall train police and border officers to identify victims of "
                               "trafficking and to refer them to services.", "heading": "Training", "doc_type": "law"})
        gold.append({"gender_sensitive_training": {"primary": 38, "secondary": []}})
    return inputs, gold


def test_fit_returns_self_and_who_acts_decides_the_supply_chain_op():
    inputs, gold = _gold()
    ranker = OpRanker()
    assert ranker.fit(inputs, gold) is ranker
    new = [{"text": "The law requires every large company to publish an annual statement on forced labour; the "
                    "regulator may fine those who do not.", "heading": "", "doc_type": "law"},
           {"text": "We audited 40 of our suppliers this year and our buyers completed modern slavery training.",
            "heading": "", "doc_type": "corporate_statement"}]
    ranked = ranker.rank(new, [["supply_chains"], ["supply_chains"]])
    assert ranked[0]["supply_chains"][0][0] == 35
    assert ranked[1]["supply_chains"][0][0] == 36


def test_probabilities_cover_every_op_of_the_theme_and_sum_to_one():
    inputs, gold = _gold()
    ranker = OpRanker().fit(inputs, gold)
    ops, proba = ranker.predict_proba(inputs[:4], "gender_sensitive_training")
    assert ops == [38, 39, 46, 47]
    assert np.allclose(proba.sum(axis=1), 1.0)


def test_organ_removal_training_ranks_op_39_above_38_without_any_gold_for_39():
    inputs, gold = _gold()
    ranker = OpRanker().fit(inputs, gold)
    text = ("Medical personnel and border officials shall be trained to identify cases of trafficking for the "
            "removal of organs, including transplant tourism.")
    ops = [op for op, _ in ranker.rank([text], [["gender_sensitive_training"]])[0]["gender_sensitive_training"]]
    assert ops.index(39) < ops.index(47)


def test_every_tag_gets_at_least_one_op_and_exactly_one_primary():
    inputs, gold = _gold()
    ranker = OpRanker().fit(inputs, gold)
    links = ranker.link(inputs[:3], [["supply_chains", "gender_sensitive_training"], ["non_punishment"], []])
    per_theme, passage = links[0]
    for theme, ops in per_theme.items():
        assert ops and sum(o.primary for o in ops) == 1 and ops[0].primary
    assert {o.op for o in passage if o.primary} == {ops[0].op for ops in per_theme.values()}
    assert [o.op for o in links[1][1]] == [27]
    assert links[2] == ({}, ())


def test_unfitted_ranker_still_ranks_by_the_op_profiles(tmp_path):
    ranker = OpRanker()
    text = "Travelling abroad to engage in sexual conduct with a child is an offence for nationals, wherever it occurs."
    top = ranker.rank([text], [["demand_reduction"]])[0]["demand_reduction"][0][0]
    assert top == 22


def test_save_and_load_give_the_same_ranking(tmp_path):
    inputs, gold = _gold()
    ranker = OpRanker().fit(inputs, gold)
    ranker.save(tmp_path)
    again = OpRanker.load(tmp_path)
    a = ranker.rank(inputs[:5], [["supply_chains"]] * 5)
    b = again.rank(inputs[:5], [["supply_chains"]] * 5)
    assert [[op for op, _ in r["supply_chains"]] for r in a] == [[op for op, _ in r["supply_chains"]] for r in b]


def test_inference_without_scikit_learn_matches_the_training_features():
    inputs, gold = _gold()
    ranker = OpRanker().fit(inputs, gold)
    from tipnlp.records import as_record as _record

    records = [_record(x) for x in inputs[:6]]
    x, _ = ranker._features(records, "supply_chains")
    classes, coef, intercept = ranker.models_["supply_chains"]
    z = np.asarray(x @ coef.T) + intercept[None, :]
    if z.shape[1] == 1:
        z = np.hstack([-z / 2, z / 2])
    expected = np.exp(z - z.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    ops, proba = ranker.predict_proba(inputs[:6], "supply_chains")
    cols = [ops.index(int(c)) for c in classes]  # OPs never seen in training take a small share apart
    seen = proba[:, cols] / proba[:, cols].sum(axis=1, keepdims=True)
    assert np.allclose(seen, expected, atol=1e-4)


def test_op_39_is_never_given_to_a_training_passage_that_names_no_organs():
    inputs, gold = _gold()
    inputs.append({"text": "Officers shall be trained to identify trafficking for the removal of organs and kidney "
                           "sales at transplant clinics.", "heading": "", "doc_type": "law"})
    gold.append({"gender_sensitive_training": {"primary": 39, "secondary": []}})
    ranker = OpRanker(secondary_threshold=0.0).fit(inputs, gold)
    plain = "The Ministry shall train police officers to identify victims of trafficking and refer them to services."
    ops, proba = ranker.predict_proba([plain], "gender_sensitive_training")
    assert proba[0, ops.index(39)] == 0.0
    (theme_links, passage), = ranker.link([plain], [["gender_sensitive_training"]])
    assert 39 not in {link.op for link in passage}
    organ = "Border officers shall be trained to spot trafficking for organ removal."
    ops, proba = ranker.predict_proba([organ], "gender_sensitive_training")
    assert proba[0, ops.index(39)] > 0.0


def test_a_training_theme_passage_that_never_mentions_training_leans_to_guidance_op_46():
    from tipnlp.op_ranking import load_profiles

    _, cues = load_profiles()
    guide = "Staff should look for signs of control, such as a third party holding the person's documents."
    mandate = "The Department shall train all consular officers on trafficking every year."
    cue46 = cues["gender_sensitive_training"][46]
    assert cue46.value(guide) >= 1.0 > cue46.value(mandate)
