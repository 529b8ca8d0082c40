"""A held-out test set for the signal models, written apart from their corpus.

Phrasings here were written without looking at `accord.signals.corpus` and share
none of its sentences; they read as CRM notes, mail and meeting titles do, with
greetings, signatures and quoted replies left in for `clean` to strip.
"""

from __future__ import annotations

PURPOSE_HELDOUT: tuple[tuple[str, str], ...] = (
    # insight
    ("insight", "Shared our analysis of their freight spend vs. sector average"),
    (
        "insight",
        "Hi Dana,\nattached is the market study on packaging costs we discussed - "
        "they are 12% above peers.\nBest regards,\nMark Hill\nAccount Director",
    ),
    ("insight", "Point of view deck: why their churn is rising in the north region"),
    ("insight", "Explained the new EU regulation and how it will hit their margins next year"),
    ("insight", "Benchmark review - their energy use per unit is the highest we have seen"),
    ("insight", "Presented research showing competitors automate returns handling"),
    ("insight", "We found that their stock turns are half the industry norm, showed the data"),
    ("insight", "Briefing for the CFO on the outlook for raw material prices"),
    ("insight", "Flagged a supply risk in their Asian sourcing with figures"),
    ("insight", "Sent a white paper on labour shortages and what it means for their plants"),
    # guidance
    ("guidance", "Helped them set the criteria for choosing a new WMS vendor"),
    ("guidance", "Went through all options including staying as they are"),
    ("guidance", "Worked on the ROI with their finance lead"),
    ("guidance", "Advised them to pilot in one depot before rolling out everywhere"),
    ("guidance", "Decision meeting prep: compared three vendors against their requirements"),
    ("guidance", "Helped draft the business case for their board"),
    ("guidance", "Recommended they delay the upgrade until the migration is finished"),
    ("guidance", "Mapped implementation risks and mitigation plan together"),
    ("guidance", "Planning workshop for phase two of the rollout"),
    ("guidance", "Reviewed total cost of ownership of each alternative with them"),
    # support
    ("support", "Ticket #4411: handheld scanners fail to connect after firmware update"),
    ("support", "Their printer keeps jamming, sent a technician"),
    ("support", "Fixed login issue for the warehouse users"),
    (
        "support",
        "Hello,\nthe portal has been down since 8am, can you look into it urgently?\nThanks,\nRita",
    ),
    ("support", "Trained five new users on the reporting module"),
    ("support", "Root cause of last week's outage explained, fix applied"),
    ("support", "Helped them reconfigure the integration with SAP"),
    ("support", "Onboarding session for the new site team"),
    ("support", "Checked everything works after the installation"),
    ("support", "Maintenance visit, replaced worn belts on line 3"),
    # social
    ("social", "Lunch with Peter at the Italian place"),
    ("social", "Coffee and a chat with Maria about her kids' school"),
    ("social", "Played golf with their COO"),
    ("social", "Drinks at the trade show evening"),
    ("social", "Sent flowers to congratulate her on the wedding"),
    ("social", "Christmas party - their whole team joined"),
    ("social", "Catch up over dinner, nothing business related"),
    ("social", "Met Hans at the conference bar, talked about skiing"),
    ("social", "Birthday wishes to Susan"),
    ("social", "Took their team to the football game"),
    # pitch
    ("pitch", "Demo of our new route planning module"),
    ("pitch", "Sent proposal for the premium maintenance contract"),
    ("pitch", "Presented our latest product range to purchasing"),
    ("pitch", "Pitched the IoT sensors as an add-on"),
    ("pitch", "Quote sent for 200 additional licences"),
    ("pitch", "Introduced our consulting services, sent brochure"),
    ("pitch", "Offered a free trial of the analytics suite"),
    ("pitch", "Upsell: suggested they move to the enterprise tier"),
    ("pitch", "Product launch webinar invitation, showcased new features"),
    ("pitch", "Asked for the order on the new machines before the quarter closes"),
    # negotiation
    ("negotiation", "Procurement wants 60 days payment terms, we offered 45"),
    ("negotiation", "Contract redlines back from their legal team"),
    ("negotiation", "They asked for 10% off the renewal"),
    ("negotiation", "Agreed on the liability cap after a long discussion"),
    ("negotiation", "Negotiating the SLA penalties with their buyer"),
    ("negotiation", "Counter proposal on the volume rebate"),
    ("negotiation", "Price increase discussion, they pushed back hard"),
    ("negotiation", "Discussed contract extension terms and pricing"),
    ("negotiation", "Their buyer wants a lower unit price for a three year commitment"),
    ("negotiation", "Finalised the framework agreement terms"),
    # admin
    ("admin", "Sent copy of invoice 10234"),
    ("admin", "Moved our meeting to next Tuesday"),
    ("admin", "Please send the PO number so we can invoice"),
    ("admin", "Updated their billing address"),
    ("admin", "Voicemail left"),
    ("admin", "Confirmed attendance for the review on the 14th"),
    ("admin", "They need our bank details on letterhead for the vendor form"),
    ("admin", "Forwarded the delivery note to their warehouse"),
    ("admin", "Calendar invite for the quarterly review"),
    (
        "admin",
        "Re: Re: W-9 form\n\nAttached.\n\nOn Mon, 3 Mar 2025, Jane wrote:\n> Could you "
        "send the signed form back?",
    ),
)
"""(purpose, text)"""

TAG_HELDOUT: tuple[tuple[str, str], ...] = (
    ("aggressive", "He was shouting and called our project lead incompetent"),
    ("aggressive", "Extremely rude on the phone, swore at the support agent"),
    ("aggressive", "Their manager insulted our team in the review meeting"),
    ("aggressive", "Yelled at our driver at the loading dock"),
    ("threat", "They threatened to sue over the delay"),
    ("threat", "Said he would report us to the trade association and the press"),
    ("threat", "Our lawyers will contact you about damages"),
    ("threat", "Threat of legal action if the data is not returned"),
    ("ultimatum", "Either you drop the price by 20% or we cancel the contract"),
    ("ultimatum", "You have until Friday to fix it or we move to another supplier"),
    ("ultimatum", "Take our offer or lose the business, final word"),
    ("ultimatum", "Accept the new terms by Monday or there is no deal"),
    ("unilateral_change", "They changed payment terms to 120 days without agreement"),
    ("unilateral_change", "Informed us they are cutting the scope from next week, no discussion"),
    ("unilateral_change", "They deducted a penalty from our invoice without telling us"),
    ("unilateral_change", "Moved the go-live date on their own and told us after"),
    ("complaint", "Customer unhappy that the delivery was late again"),
    ("complaint", "Complained about the poor quality of the last batch"),
    ("complaint", "They are disappointed, support never calls back"),
    ("complaint", "The invoice was wrong for the third month, they are annoyed"),
    ("praise", "They loved the new dashboard, great work team"),
    ("praise", "Thank you for the fast response, much appreciated"),
    ("praise", "Very pleased with the installation, excellent job"),
    ("praise", "Said our engineer was the best they have worked with"),
)
"""(tag, text): each text carries that tag."""

NEUTRAL_HELDOUT: tuple[str, ...] = tuple(text for _, text in PURPOSE_HELDOUT)
"""Texts that carry no behaviour tag (the purposes' held-out notes)."""
