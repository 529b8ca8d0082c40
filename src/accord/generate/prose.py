"""The free text of a CRM-realistic book: what sellers type and customers write.

Fragments, not sentences: `crm.py` composes a summary from an opener, a body
chosen by what actually happened (the touchpoint's purpose, or the behaviour
planted in it), a next step, a greeting and sign-off, an e-mail signature, a
quoted reply or a forwarded header, then roughens some of them (typos, all
lower case, an aside about something else). Bodies hold slots filled per row:

    {c} the contact's first name   {C} the contact's full name
    {s} the seller's first name    {S} the seller's full name
    {a} the account's short name   {title} the contact's title
    {p} one of our products        {t} a business topic
    {d} a weekday                  {q} the quarter (Q1 … Q4)
    {n} a small figure             {n2} two digits (phone numbers)

Written for the evaluation alone (shared with no classifier's training text):
the words that describe a behaviour vary — most never use the tag's own word —
and ordinary accounts' texts hold near misses (a firm negotiation that is no
ultimatum, a deadline that is no threat).
"""

from __future__ import annotations

TOPICS = (
    "warehouse throughput",
    "energy costs",
    "unplanned downtime",
    "spare parts stock",
    "their audit findings",
    "the new EU reporting rules",
    "line changeover times",
    "field technician utilisation",
    "scrap rate",
    "cold chain compliance",
    "their Q3 forecast",
    "cyber insurance requirements",
    "the plant consolidation",
    "labour shortages",
    "supplier lead times",
    "data retention",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
FIGURES = ("5%", "8%", "12%", "15%", "two weeks", "3 days", "20k", "40 hours", "a quarter", "10%")

# Bodies by purpose: insight, guidance, support, social, pitch, negotiation, admin.
NOTE_BODIES: tuple[tuple[str, ...], ...] = (
    (
        "shared the benchmark on {t} - they are {n} behind their peers",
        "walked {c} through what we see across the industry on {t}",
        "presented our view on where {t} is heading over the next 2 yrs",
        "showed {c} data on a risk they hadn't spotted re {t}",
        "went through the cost breakdown of their process, {t} is the big lever",
        "brought our research on {t}; {c} wants to share it with the board",
        "discussed trends in {t} and what leading plants do differently",
        "sent {c} the whitepaper on {t} with our comments on their situation",
        "reviewed their numbers vs peer group - {t} stands out",
        "explained the regulatory change coming and what it means for {t}",
        "pointed out that {t} costs them roughly {n} more than it should",
        "gave {c} a perspective on {t} they had not considered",
        "ran the maturity assessment, weakest area is {t}",
        "{c} asked for our take on {t} - shared lessons from similar customers",
    ),
    (
        "helped {c} write down their decision criteria for the project",
        "worked through the ROI model together, payback around {n}",
        "compared all options with {c} incl. doing nothing and the competitor",
        "advised on the implementation plan and the cut-over sequence",
        "helped them prioritise: {t} first, the rest can wait",
        "went through risks of switching and how to mitigate them",
        "mapped their stakeholders and who needs to sign off",
        "coached {c} on building the business case for their CFO",
        "recommended they pilot at one site before rolling out",
        "talked through the pros and cons of building in-house vs buying",
        "suggested criteria for picking a vendor - told them where we are not the best fit",
        "helped scope phase 1 so it fits their budget",
        "reviewed their RFP draft and suggested clearer requirements",
    ),
    (
        "fixed the login issue {c} reported",
        "ticket about the {p} firmware resolved, {c} confirmed",
        "checked in on the rollout - two sites live, one to go",
        "helped their team configure the {p}",
        "followed up on the open ticket, engineer on site {d}",
        "remote session to sort out the data sync problem",
        "{c} called about an error on the {p}, talked them through the reset",
        "sent replacement part for the faulty {p}",
        "answered their questions on the new dashboard",
        "training refresher for two new users on their side",
        "looked into the slow reports, index rebuilt and it's fine now",
        "escalated the integration bug to product, workaround in place",
        "post-install check: all {p} units reporting",
        "{c} needed help exporting data for their auditors",
    ),
    (
        "lunch with {c} and the team",
        "caught up with {c} at the industry evening",
        "coffee w/ {c}, mostly chatted about holidays and football",
        "invited {c} to our customer day, they came with two colleagues",
        "dinner after the trade fair",
        "golf afternoon with {c}",
        "drinks with the {a} crew after work",
        "{c} back from parental leave - quick catch up, nothing business",
        "congratulated {c} on the promotion over lunch",
        "met at the conference party, good chat",
        "took {c} to the match on {d}",
        "birthday card + call, {c} turned 50",
        "breakfast with {c}, talked about their kids' school and the new office",
    ),
    (
        "presented the new {p} line",
        "sent the latest offer on the {p}",
        "pitched the upgrade to the premium plan",
        "demo of the new release for {c} and IT",
        "introduced our new {p} - {c} will think about it",
        "told {c} about the launch promo, valid until end of {q}",
        "product presentation, {c} liked the reporting part",
        "sent brochure and price list for the {p}",
        "proposed adding the {p} to their next order",
        "showcased the roadmap and upcoming features",
        "cross-sell attempt: monitoring add-on, not now they said",
        "webinar invite for the {p} launch",
        "pushed the bundle deal, {n} off if they take both",
    ),
    (
        "negotiated price and volume for next year",
        "went through contract terms with procurement",
        "agreed delivery schedule and penalties",
        "went through the quote line by line with {c}",
        "they asked for {n} off, we offered free training instead",
        "discussed payment terms, they want 60 days",
        "procurement pushed hard on price, we held at list minus {n}",
        "redlines back from their legal, mostly liability cap",
        "volume commitment vs discount discussion, no agreement yet",
        "renewal terms discussed, they want a 3 yr deal",
        "{c} asked if we can do better on price before they sign",
        "haggled over the service fees, met halfway",
        "SLA terms negotiated, response time 4h",
    ),
    (
        "order confirmation sent to {c}",
        "updated billing details in the system",
        "scheduled the next meeting for {d}",
        "shared the paperwork for the new site",
        "sent the signed contract back",
        "PO received, forwarded to order desk",
        "confirmed delivery address change",
        "invoice copy sent to AP",
        "set up the quarterly review invite",
        "updated contact list - {c} is now the main contact",
        "sent the W-9 / supplier form",
        "moved the call to {d}",
        "credit note request logged",
    ),
)

# E-mail bodies we send (outbound), by purpose.
OUT_MAIL_BODIES: tuple[tuple[str, ...], ...] = (
    (
        "Attached is the benchmark I mentioned - you're about {n} behind your peers on {t}.",
        "I put together a short note on {t} based on what we see at similar plants. Worth a look "
        "before your planning round.",
        "Thought you'd find this useful: our latest study on {t}, with a page on what it could "
        "mean for you.",
        "Following our chat, here are the numbers on {t}. The gap is bigger than we both thought.",
    ),
    (
        "As promised, the ROI model with your figures. Payback comes out at around {n}.",
        "Here's a draft of the decision criteria we discussed - please add anything your CFO will "
        "ask about.",
        "I've laid out the three options side by side, including staying as you are. Happy to walk "
        "through it.",
        "Some thoughts on sequencing the rollout so the plant isn't disrupted.",
    ),
    (
        "The fix for the {p} issue is deployed - can you confirm it works on your side?",
        "Our engineer will be on site {d} to look at the sync problem.",
        "Here are the steps to reset the {p}. Call me if it happens again.",
        "Ticket is closed, root cause was a config setting. Let me know if anything else comes up.",
    ),
    (
        "Great to see you at the event yesterday! Let's do lunch again soon.",
        "Would you like to join us for the customer dinner on {d}?",
        "Hope the holiday was good! Coffee next week?",
        "Tickets for the game on {d} - you in?",
    ),
    (
        "I'd love to show you our new {p}. Do you have 20 minutes next week?",
        "Please find attached our offer for the {p}. It's valid until the end of the month.",
        "We've just launched the premium tier - I think it's a great fit for you.",
        "Quick one: we have a promotion on the {p} this quarter, {n} off list.",
    ),
    (
        "Attached is the revised quote. We can do {n} off if the order comes in this quarter.",
        "Our legal team has reviewed your redlines - comments inline.",
        "On payment terms, we can go to 45 days but not 60.",
        "Here is the proposal for the 3-year renewal with the volume tiers.",
    ),
    (
        "Please find the order confirmation attached.",
        "Could you send me the PO number for the invoice?",
        "Invite for our next review on {d} is on its way.",
        "Updated the delivery address as requested.",
    ),
)

# E-mail bodies the customer sends us (inbound), by purpose.
IN_MAIL_BODIES: tuple[tuple[str, ...], ...] = (
    (
        "Thanks for the study on {t}, very interesting. Can we discuss what it means for our "
        "second site?",
        "Your benchmark made quite an impression on our COO. Could you present it to the wider "
        "team?",
        "Do you have any data on how others handle {t}? We're struggling to get a clear picture.",
    ),
    (
        "We need to decide by end of month - can you help us compare the options properly?",
        "Our CFO wants a business case. Could you help us with the ROI figures?",
        "We're unsure whether to phase the project. What would you recommend?",
    ),
    (
        "The {p} at the north site stopped reporting again this morning. Can someone take a look?",
        "We can't log in to the portal since the update. Please help.",
        "Quick question on the export function - where do I find the CSV option?",
        "Thanks for sorting the issue so quickly, all working now.",
    ),
    (
        "Thanks for a lovely evening, the team really enjoyed it!",
        "Count me in for the dinner. Looking forward to it.",
        "Great catching up last week - see you at the fair.",
    ),
    (
        "Thanks for the brochure. We're not looking at new products right now.",
        "Can you send more details on the new {p}?",
        "We saw the announcement about the premium tier - what does it cost?",
    ),
    (
        "Please send us your best price for 500 units.",
        "We've received a competing quote that's {n} lower. Can you match it?",
        "Our legal has a few comments on the contract, see attached.",
        "We'd like to discuss the terms for next year's framework agreement.",
    ),
    (
        "Please find our PO attached.",
        "Can you resend the invoice to accounts payable?",
        "Our new billing address is below, please update your records.",
        "Could we move our call to {d}?",
    ),
)

# Bodies that show a behaviour: aggressive, threat, bullying, ultimatum, unilateral change.
BEHAVIOUR_BODIES: tuple[tuple[str, ...], ...] = (
    (
        "{c} was shouting on the call about the delays, very hostile tone",
        "heated meeting - their buyer slammed the table and swore at our team",
        "{c} lost his temper and hung up on me",
        "aggressive call, {c} yelling that we are useless and incompetent",
        "their ops manager was verbally abusive to our engineer on site",
        "e-mail in all caps calling us a bunch of clowns",
        "very aggressive exchange, {c} insulted our support staff by name",
        "{c} screamed at our driver at the loading dock",
    ),
    (
        "{c} threatened to sue us if the outage happens again",
        "said he'll go to the press and post reviews everywhere unless we pay for the damage",
        "warned they would make sure we never work in this industry again",
        "threat to get our account manager fired if he keeps calling",
        "{c} hinted he knows people at our bank and can make life hard for us",
        "their lawyer letter threatens legal action over the delay",
        "they threatened to report us to the regulator over a billing error",
    ),
    (
        "{c} keeps belittling our junior consultant in front of everyone",
        "their project lead humiliated our engineer again, third time this month",
        "our rep feels intimidated - {c} mocks her in every meeting",
        "constant put-downs aimed at our support engineer, she asked to be taken off the account",
        "{c} pressured our trainee into unpaid weekend work and ridiculed him when he said no",
        "bullying behaviour from their IT manager towards our tech, HR informed",
    ),
    (
        "{c}: sign by {d} at this price or they go with the competitor",
        "told us either we cut price by {n} or the contract is terminated",
        "take it or leave it - they will not discuss the terms any further",
        "final offer: accept their terms by end of week or they walk",
        "if we don't deliver by {d} they cancel every open order",
        "{c} said match the other quote today or forget about the renewal",
        "they demand free on-site support or no more orders, no discussion",
        "ultimatum from procurement: {n} off or we're out of the framework",
    ),
    (
        "they changed the payment terms to 90 days without asking us",
        "informed us they've cut the agreed volume by half, effective immediately",
        "their new supplier policy imposes penalties we never agreed to",
        "{c} announced they will pay only {n} of the invoices from now on, no discussion",
        "they rewrote the SLA on their side and just sent us the new version",
        "moved delivery dates unilaterally, our plan is now useless",
        "procurement changed the price list in their system to our old prices",
        "notified us they'll deduct a 'logistics fee' from every invoice going forward",
    ),
)

# What the customer wrote before (quoted under "On …, X wrote:"), neutral in purpose.
QUOTED_LINES = (
    "Thanks, speak soon.",
    "Let me check with finance and come back to you.",
    "Can you send me something in writing?",
    "Works for me.",
    "Noted, thanks.",
    "I'll be out of office until Monday.",
    "Sure, let's find a time.",
    "Copying my colleague who handles this.",
    "Any update on this?",
    "We discussed it internally.",
    "See below.",
    "Thanks for getting back to me so quickly.",
)

NOTE_OPENERS = (  # by channel: meeting, call, email, visit, event, message, other
    ("Mtg w/ {c}: ", "Meeting {c} - ", "Met with {c} and team. ", "MTG: ", "Teams call w/ {c}: "),
    ("Call w/ {c}: ", "Spoke to {c} - ", "Phone call. ", "Call {c}: ", "quick call, "),
    ("", "Email: ", "Mail to {c}: "),
    ("Visit at {a}: ", "On site w/ {c}. ", "Site visit - ", "Visited {c} at their plant, "),
    ("Event: ", "Trade fair - ", "At the conference: "),
    ("WhatsApp {c}: ", "Text from {c}: ", "msg: "),
    ("Note: ", "", "Misc - "),
)
NEXT_STEPS = (
    "\nNext steps: send deck by {d}.",
    "\nNS: {s} to follow up next wk",
    ". Follow-up mtg {d}.",
    "\nTODO: loop in their CFO",
    ". {c} to confirm internally.",
    "\nAction: send summary",
    ", will call back {d}",
    " -> update forecast",
)
ASIDES = (  # something else that also came up: real notes mix topics
    " - also talked about the summer party",
    ". Btw {c} asked about the new {p}.",
    " (mentioned the invoice is still open)",
    ". Also booked the next review.",
    " - briefly touched on pricing for next year",
    ". {c} says hi to {s}",
)
GREETINGS_OUT = ("Hi {c},\n\n", "Hello {c},\n\n", "Dear {C},\n\n", "{c} -\n", "Hi {c}\n", "")
GREETINGS_IN = ("Hi {s},\n\n", "Hello {s},\n\n", "Dear {S},\n\n", "{s},\n", "")
SIGN_OFFS = (
    "\n\nBest,\n",
    "\n\nThanks\n",
    "\n\nKind regards,\n",
    "\n\nCheers,\n",
    "\n\nBest regards\n",
    "\n\nThx,\n",
    "\n\nRegards,\n",
)
SIGNATURES_OUT = (
    "\n--\n{S}\nAccount Manager | Accord Sales\nM +44 7700 900{n2}",
    "\n\n{S}\nKey Account Manager\naccord-sales.example | +49 30 1234 5{n2}",
    "\n--\n{S} | Sales\nSent from my iPhone",
    "\n\n___\n{S}\nThis e-mail and any attachments are confidential.",
)
SIGNATURES_IN = (
    "\n--\n{C}\n{title} | {a}",
    "\n\n{C}\n{title}\n{a}\nTel. +33 1 40 00 00 {n2}",
    "\n\nSent from my phone",
    "\n--\n{C}, {title}\nPlease consider the environment before printing this e-mail.",
)
SUBJECT_PREFIXES = ("RE: ", "Re: ", "AW: ", "Fwd: ", "FW: ", "")
SUBJECTS = (
    "Our call",
    "Follow-up",
    "Next steps",
    "Quote",
    "Your order",
    "Quick question",
    "Meeting notes",
    "Update",
    "{p}",
    "{a} / Accord",
)
GENERIC_NOTES = (  # what a hurried seller logs: no clue to the purpose
    "Call",
    "f/u",
    "see attached",
    "Logged from Outlook",
    "-",
    "left voicemail",
    "spoke briefly",
    "Meeting",
    "n/a",
    "as discussed",
)
TYPOS = (  # (right, wrong): replaced once in a few texts
    ("the ", "teh "),
    ("meeting", "meetign"),
    ("received", "recieved"),
    ("schedule", "schedlue"),
    ("their", "thier"),
    ("with", "wiht"),
    ("which", "whcih"),
    ("about", "abuot"),
    ("price", "prcie"),
    ("next", "nxt"),
    ("because", "bc"),
    ("tomorrow", "tmrw"),
)

# Feedback texts.
NPS_TEXTS = (  # by band: detractor (0–6), passive (7–8), promoter (9–10)
    (
        "Not happy with how things have gone this year.",
        "Too expensive for what we get.",
        "Response times have become poor.",
        "We feel locked in, honestly.",
        "Quality has gone down and nobody listens.",
        "Would not recommend at the moment.",
    ),
    (
        "OK overall, nothing special.",
        "Fine product, support could be faster.",
        "Does the job.",
        "Decent, price is on the high side.",
        "Mostly good, a few hiccups.",
    ),
    (
        "Solid partner, always there when we need them.",
        "Great value and a team that really understands our business.",
        "Would recommend to any peer.",
        "Reliable and proactive.",
        "Best supplier we work with.",
        "They helped us cut our costs, not just sell to us.",
    ),
)
CSAT_TEXTS = (  # by band: low (1–2), middling (3), high (4–5)
    ("Took far too long.", "Problem not really solved.", "Engineer was unprepared."),
    ("OK.", "Solved eventually.", "Average service."),
    ("Quick fix, thanks!", "Very helpful engineer.", "Ticket solved same day.", "Clear answer."),
)
COMPLAINT_TEXTS = (  # by subject: delivery, billing, support, quality, general
    (
        "Delivery arrived two weeks late and nobody told us.",
        "Wrong items delivered again.",
        "Shipment damaged on arrival.",
        "Still waiting for the parts promised last month.",
    ),
    (
        "Invoice was wrong, charged twice for the same service.",
        "We were billed at the old price.",
        "Credit note still not received after 6 weeks.",
        "Invoice amounts do not match the order.",
    ),
    (
        "Support did not call back for three days.",
        "Ticket closed without a fix.",
        "Hotline kept us on hold for 40 minutes.",
        "Nobody seems to own our issue.",
    ),
    (
        "The {p} units keep failing.",
        "Firmware update broke the reporting.",
        "Quality is not what we paid for.",
        "Third defect this quarter.",
    ),
    (
        "Not satisfied with the service.",
        "Formal complaint, see e-mail.",
        "Unhappy with the project.",
    ),
)
BEHAVIOUR_COMPLAINTS = (  # aggressive, threat, bullying, ultimatum, unilateral change
    (
        "Your technician was rude and aggressive with our staff.",
        "Your account manager shouted at our buyer, unacceptable.",
        "The tone of your collections team is hostile and offensive.",
    ),
    (
        "If this is not fixed by Friday we will take legal action.",
        "Consider this a final warning before we involve our lawyers.",
        "We will report this to the trade association unless you compensate us.",
    ),
    (
        "Your consultant belittles our junior staff in every meeting.",
        "Our team feels intimidated by your project lead.",
        "We want a different contact, the current one humiliates our people.",
    ),
    (
        "Lower the price by 10% or we cancel at renewal, no negotiation.",
        "Either you send an engineer tomorrow or we terminate the contract.",
        "Accept our terms this week or we move to another supplier.",
    ),
    (
        "You changed the service terms without consulting us.",
        "You raised prices mid-contract without any notice.",
        "Support hours were cut without our agreement.",
    ),
)
PRAISE_TEXTS = (  # by subject: support, insight, responsiveness, general
    ("Thanks for the quick help last week!", "Your support team saved our go-live."),
    ("Great insight in the review - it changed our plans.", "The benchmark was eye-opening."),
    ("Very responsive account manager.", "Always a fast answer, much appreciated."),
    ("Team loves the product.", "Thank you for a great year.", "Kudos to everyone involved."),
)
TAG_MENTIONS = (  # how a seller names the plain tags (words.PLAIN_TAGS order) in a summary
    ("QBR: ", "Quarterly review - ", "QBR prep. "),
    ("Renewal: ", "renewal - ", "Re renewal: "),
    ("Roadmap session. ", "Roadmap: "),
    ("Onboarding: ", "Kick-off / onboarding. "),
    ("Exec sponsor mtg. ", "With their exec sponsor: "),
    ("Pricing: ", "Pricing - "),
    ("Training - ", "Training day: "),
)
