"""Find the section a free-text question is about. Pure: no I/O, no Telegram.

`Matcher.build(library)` indexes every section once, in every language the library has;
`matcher.match(query, lang)` ranks the sections and decides what the bot should do:

- ``answer``: one clear winner, shown straight away; `alternatives` are the next (at most two)
  plausible sections, offered as buttons.
- ``clarify``: two or three sections score almost alike; they are all in `alternatives` (best
  first) and `answer` is None, so the bot asks "did you mean...".
- ``none``: nothing matches well (greetings, other topics). `answer` is None; `alternatives`
  holds up to three weak suggestions (score >= SUGGEST_MIN, below the answer threshold) for a
  "maybe you meant" row, and is empty when the question shares (almost) nothing with the
  content, so an off-topic message never gets unrelated buttons.

How a question is scored (every step is the same for the content and the question):

1. Text is folded (case, Latin accents, apostrophes; other scripts keep their marks), split into
   words, greetings and filler words are dropped ("hi", "please", "what did they say about"),
   and words are reduced to a stem (English plurals and suffixes, Russian endings, Bengali and
   Nepali case endings). Thai, written without spaces, is cut into overlapping three-letter
   pieces; Vietnamese also gets each pair of neighbouring syllables as one term.
2. Each question word is looked up in the language's vocabulary: exactly, then split in two when
   a space is missing ("humanrights"), then fuzzily for typos (rapidfuzz `fuzz.ratio` on the
   words of similar length). A small table of everyday synonyms adds words the document uses
   ("boss" -> employer, "papers" -> documents).
3. *Word score*: how much of the question's weight a section covers. Each word weighs its IDF
   (how few sections use it), so "migrant" or "compact", which are everywhere, count for almost
   nothing. A section's word counts in full when it is in the title, keywords or example
   questions, less in the summary and key points, least in the original wording.
4. *Phrase score*: the best single phrase of the section (example question, keyword, title, key
   point, sentence) measured against the question in both directions, so a question that
   closely paraphrases one example question beats one that only shares scattered words.
5. The score (0-100) mixes both; the decision compares it with thresholds measured on the dev
   question set (see the constants below).

Languages: the script decides (Cyrillic -> ru, Bengali -> bn, Devanagari -> ne, Thai -> th,
Latin with letters only Vietnamese uses -> vi); other Latin-script questions are scored in every
Latin-script language the library has (en, id, tl, vi) and keep the best.
"""

from __future__ import annotations

import math
import re
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.content.models import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES, Library, Section
from bot.distress import WORD, distress_kinds, fold, split_words

Decision = Literal["answer", "clarify", "none"]

# ---------------------------------------------------------------------------------------------
# Tuning. Scores are 0-100. Measured with `python scripts/eval_matching.py` on the dev set
# (eval/dev-questions.yaml) and the shipped content; see the comments for why.
# ---------------------------------------------------------------------------------------------

# Below this the best section is not an answer. On the dev set, with the shipped content,
# out-of-scope questions score 0 when they share no word with the content and at most about
# 29 when one ordinary word happens to occur in a summary ("name", "fast"), while in-scope
# questions whose best section is right score from about 32 up; the gap is 29-32, and 30 keeps
# both sides' margins. Re-measure when the content changes much.
NONE_BELOW = 30.0
# A near-tie (second >= CLARIFY_RATIO x first) below CLARIFY_BELOW is a question back to the
# user ("did you mean ..."). A strong match is answered even in a near-tie, with the runner-up
# as the first alternative button: on the dev set strong near-ties ("equal pay") had the right
# section first, and asking would only cost the user a tap.
CLARIFY_RATIO = 0.97
CLARIFY_BELOW = 60.0
# Alternatives under an answer, and suggestions under `none`, must reach this score (and a
# share of the winner's score), so buttons are never pure noise.
ALTERNATIVE_MIN = 10.0
ALTERNATIVE_SHARE = 0.25
SUGGEST_MIN = 15.0

# How the two scores mix. The word score sees the whole section; the phrase score rewards one
# example question (keyword, title...) that says the same thing. 0.7/0.3 ranked best and left
# the widest gap between in-scope and out-of-scope questions on the dev set (0.55/0.45 and
# 0.4/0.6 were tried).
WORD_WEIGHT = 0.7
PHRASE_WEIGHT = 0.3

# How much a word counts by the field it is found in (the best field wins, +0.1 for each other
# field that has it too). Curated fields (title, keywords, example questions) are written to be
# matched; summaries and key points have incidental words; the original wording is UN jargon.
FIELD_WEIGHTS: dict[str, float] = {
    "title": 1.0,
    "keywords": 1.0,
    "questions": 0.9,
    "key_points": 0.75,
    "for_migrants": 0.7,
    "summary": 0.7,
    "original": 0.5,
}
FIELD_BONUS = 0.1
# A section none of whose matching words is in its curated fields (weight >= CURATED_WEIGHT)
# only shares incidental words with the question ("what is your name" and a summary that says
# "named"): its score is multiplied by UNCURATED_FACTOR. This halved the out-of-scope scores
# that used to reach 40-57 and cost no in-scope question on the dev set.
CURATED_WEIGHT = 0.9
UNCURATED_FACTOR = 0.5
# How much a single phrase counts in the phrase score, by the field it comes from.
PHRASE_FACTORS: dict[str, float] = {
    "title": 1.0,
    "keywords": 1.0,
    "questions": 1.0,
    "key_points": 0.85,
    "for_migrants": 0.75,
    "summary": 0.75,
    "original": 0.65,
}
# A question made only of very common words ("migrants?") must not score as if it were
# specific: its weight is counted as at least this (about one moderately rare word).
MIN_QUERY_WEIGHT = 1.2
# A question word that the content never uses weighs this much: as a word used by a few
# sections. Lower would let one matching word make a long off-topic question look relevant.
UNKNOWN_WORD_WEIGHT = 1.0
# A question whose words the content mostly does not know ("how to lose weight fast", "puerto
# vallarta beach resorts") is about something else, even if one rare content word is in it:
# when unknown words are more than UNKNOWN_SHARE_LIMIT of its weight, every score is multiplied
# by UNKNOWN_SHARE_FACTOR. On our held-out set (scripts/heldout-questions.yaml) 0.3/0.6 turned
# 6 more of 37 off-topic questions into honest "none" and cost no in-scope answer there or on
# the dev set; 0.25/0.55 and stronger began to cost in-scope answers.
UNKNOWN_SHARE_LIMIT = 0.3
UNKNOWN_SHARE_FACTOR = 0.6
# A phrase's weight is counted as at least this, so a one-word keyword that shares a common
# word with the question does not count as a perfect phrase match.
MIN_PHRASE_WEIGHT = 1.0
# Typos: a word (as written, or its stem) may be one edit (a wrong, missing, extra or swapped
# letter) away from a content word if it has 5-8 letters, two if it has 9 or more; a 4-letter
# word may only have lost a letter ("skil"). The first letter must match: people rarely get it
# wrong, and without this rule "night" would find "right" and "rice" "price" (and with
# two edits at 8 letters, "password" would find "passport"). An edit costs TYPO_PENALTY of
# the word's weight in an 8-letter word, more in shorter words (8 / length times as much).
FUZZY_MIN_LENGTH = 5
TYPO_PENALTY = 0.12
FUZZY_LIMIT = 3
# A synonym from the table counts this much of the word itself.
SYNONYM_SIMILARITY = 0.8
# Phrase scores are computed for this many best sections by word score only (speed).
PHRASE_RERANK = 12
# Long messages: only the first distinct words are scored (a Telegram message can be 4096
# characters; a question needs far fewer words).
MAX_QUERY_WORDS = 40
MAX_CANDIDATES = 5
# A message that sounds like danger leans to the sections its content pack names as speaking to
# someone in danger (`urgent_sections`: rights, trafficking): their scores are multiplied by
# this. On the dev and held-out sets 1.5 gave 5 more distress messages the right section and
# cost no other answer (1.15 and 1.3 gained less); the urgent-help note comes first anyway.
DISTRESS_SECTION_BOOST = 1.5
RESULT_CACHE_SIZE = 4096  # recent (question, language) results kept per matcher
# A Latin-script question is scored in each Latin-script language; the user's language (then
# English) keeps it unless another language scores this much better ("work visa" is English
# and Tagalog alike).
LANGUAGE_MARGIN = 1.15
_CACHE_LIMIT = 20_000  # word look-ups remembered per language
_SPLIT_MIN = 4  # each part of a word split at a missing space ("comunity" is not com+unity)
_SPLIT_MAX = 30  # longer "words" are not two words run together (keeps huge input cheap)

# ---------------------------------------------------------------------------------------------
# Words
# ---------------------------------------------------------------------------------------------

# Greetings, filler and function words in every bot language. They carry no topic, and
# dropping them makes "hey, please, what did they say about remittances?" score exactly as
# "remittances". Question words are filler too: the topic is in the other words. Vietnamese
# words are folded without their tone marks, so a filler word that folds like a content
# syllable ("có" and "cơ quan", "về" and "bảo vệ", "hỏi" and "xã hội") is left to IDF instead.
_STOPWORDS = frozenset(
    fold(word)
    for word in split_words(
        """
    a an the and or but if then so of in on at to for from with without by as into onto
    about over under up down out off than too very just only also even still really quite
    i me my mine myself we us our ours you your yours he him his she her hers it its they them
    their theirs this that these those there here one ones someone anyone everyone something
    anything everything some any all each every both either neither other another such same
    am is are was were be been being do does did doing done have has had having get gets got
    can could would should shall will may might must need needs ok okay okey yes yeah no not
    what which who whom whose when where why how whats wats wat whats hows whos
    tell say said says saying know knows explain mean means meant talk talks talked speak
    want wanted like let lets give show find read question questions answer ask asked asking
    please pls plz kindly thanks thank thx hi hello hey hiya dear sir madam maam bro sis
    hmm hm um uh oh lol good morning evening afternoon day bye goodbye cheers welcome
    regarding concerning re detail details part section point
    stress stressed emphasise emphasised emphasize emphasized highlight highlighted note
    noted mention mentioned discuss discussed recommend recommended suggest suggested
    propose proposed underline underlined underscore underscored cite cited reiterate
    reiterated acknowledge acknowledged describe described
    more less most least many much lot lots few little enough quite rather kind sort maybe
    perhaps actually basically currently now today yet already again ever often always
    im ive id ill youre dont doesnt didnt cant cannot wont isnt arent wasnt werent
    и в во не что как кто на с со о об обо по за из к у ли же бы это этот эта эти для а но или
    мне меня я мы вы ты он она они их его ее её есть был была было были будет какой какая
    какие какую каким какое кроме ещё еще уже так там тут здесь чем при от до про всё все
    пожалуйста привет здравствуйте спасибо скажите расскажите
    apa yang dan di ke dari untuk dengan ini itu saya aku kami kita anda ada soal tentang
    bagaimana apakah bisa karena atau juga akan sudah dalam pada oleh mereka dia halo hai
    tolong mohon terima kasih adalah sebagai lebih
    ang ng mga sa na ay ba ako ko ka mo siya niya kami tayo sila nila at o kung may kahit ano
    paano bakit saan sino po opo naman lang din rin nang para hello kumusta salamat yung iyong
    কি কী এর এই ও আর আমি আমরা আমাদের তুমি আপনি না হয় হচ্ছে করে জন্য কে যে সে তারা এবং বা
    কোন কোনো কেন কিভাবে কীভাবে আছে ছিল হবে নিয়ে সম্পর্কে দিয়ে থেকে
    के को का की र मा छ हो यो त्यो म हामी तपाईं भनियो गर्न लागि पनि बारे कुन कसरी किन छन्
    थियो हुन्छ गरेको भन्ने
    là không gì nào của và cho được thế tôi em mình ơi nhé với một những các này đó nếu hay
    hoặc bị đang rất sao ở trong xin chào giúp ạ à ai
    """
    )
)

# Everyday words people use for what the document calls otherwise, built from the document's
# own concepts (remittances, decent work, orientation, irregular status, drivers, ...), not
# from test questions. Each group is read both ways; a match through it counts a bit less.
_SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = (
    ("boss", "employer", "company", "companies", "manager", "sponsor"),
    ("papers", "document", "documents", "passport", "documentation"),
    ("undocumented", "irregular", "illegal", "unauthorised", "unauthorized", "overstay"),
    ("salary", "wage", "wages", "pay", "income", "earnings", "underpaid"),
    ("job", "work", "employment"),
    ("kid", "kids", "child", "children", "minor", "minors", "underage", "youth"),
    ("meeting", "conference", "gathering", "summit", "forum", "talks"),
    ("cash", "money", "remittance", "remittances", "transfer", "wire"),
    ("abroad", "overseas", "foreign"),
    ("flood", "storm", "typhoon", "cyclone", "earthquake", "tsunami", "disaster", "disasters"),
    ("climate", "warming"),
    ("drought", "climate"),
    ("school", "schooling", "education", "study", "teacher"),
    ("doctor", "hospital", "clinic", "medicine", "medical", "health", "sick"),
    ("lawyer", "court", "courts", "judge", "justice"),
    ("deport", "deported", "deportation", "return", "expel", "expelled"),
    ("agent", "broker", "middleman", "recruiter", "recruitment", "agency"),
    ("fee", "fees", "cost", "costs", "charge", "charges", "price"),
    ("rule", "rules", "law", "laws", "legislation", "regulation"),
    ("country", "countries", "state", "states", "nation", "nations"),
    ("government", "governments", "authorities", "state"),
    ("help", "assistance", "support", "aid"),
    ("training", "skills", "skill", "course", "trained"),
    ("orientation", "briefing", "induction", "session", "seminar"),
    ("arrive", "arrival", "land", "landing"),
    ("diploma", "degree", "certificate", "qualification", "qualifications"),
    ("women", "woman", "female", "gender"),
    ("racism", "racist", "xenophobia", "discrimination", "prejudice", "hate", "hatred"),
    ("union", "unions"),
    ("smuggler", "smugglers", "smuggling", "smuggled"),
    ("gang", "gangs", "crime", "criminal", "criminals", "mafia"),
    ("home", "origin", "hometown", "homeland"),
    ("host", "destination", "receiving"),
    ("war", "conflict", "fighting"),
    ("reason", "reasons", "cause", "causes", "driver", "drivers"),
    ("poor", "poverty", "hunger"),
    ("growth", "development", "progress"),
    ("option", "options", "choice", "alternative"),
    ("dangerous", "unsafe", "risky", "danger"),
    ("cooperation", "cooperate", "collaboration", "collaborate", "partnership", "teamwork"),
    ("deal", "pact", "agreement", "treaty", "accord", "compact"),
    ("report", "summary", "document"),
    ("chapter", "chapters", "theme", "themes", "topic", "topics", "area", "areas"),
    ("delegate", "delegates", "representative", "representatives", "officials"),
    ("ngo", "ngos", "grassroots", "activist", "activists", "charity", "charities", "advocates"),
    ("locals", "local", "community", "neighbours", "neighbors", "host"),
    ("welfare", "benefits", "pension", "insurance"),
    ("shortage", "shortages", "lack", "gap", "gaps"),
    ("business", "businesses", "shop", "entrepreneur", "entrepreneurship"),
    ("jail", "prison", "detention", "detained", "locked"),
    ("embassy", "consulate", "consular"),
    ("island", "islands", "sids"),
    ("numbers", "statistics", "figures", "data"),
    ("check", "monitor", "monitoring", "review", "track"),
    ("fake", "false", "fraud", "scam", "cheat", "cheated", "lie", "lied", "trick", "tricked"),
    ("info", "information", "advice"),
    ("equal", "same", "fair", "unfair"),
    ("stay", "remain"),
    ("leave", "emigrate", "emigration"),
    ("trafficked", "trafficking", "slavery", "exploitation", "exploited"),
    # Everyday words for the document's concepts, each group checked to reach a word the English
    # content uses and not to turn everyday chat into an answer.
    # purpose of the meeting / aims and goals of the compact
    ("purpose", "aim", "goal", "objective", "intention"),
    # "is this a law?" / legally binding
    ("binding", "mandatory", "compulsory", "obligatory", "enforceable"),
    # who took part: participants
    ("participant", "attendee"),
    # talks on the compact: consultations, negotiations
    ("consultation", "negotiation", "negotiator", "deliberation"),
    # persons with disabilities
    ("disabled", "disability", "handicapped", "wheelchair", "blind", "deaf", "impairment"),
    # promises kept / false promises
    ("promise", "pledge", "vow", "guarantee"),
    # duty-bearers, shared responsibility
    ("responsibility", "responsible", "duty", "accountable", "accountability", "obligation"),
    # pitfalls / negative impacts
    ("pitfall", "downside", "drawback", "disadvantage", "negative"),
    # the region / Asia
    ("region", "asia", "asian", "continent", "subregion"),
    # refugees vs migrants
    ("refugee", "asylum", "displaced", "persecution", "idp"),
    # skills recognition ("degree not recognized")
    ("recognition", "recognize", "recognise", "accreditation", "equivalence", "validate"),
    # portability of earned benefits
    ("portability", "portable", "transferable", "transferability"),
    # pension / social security schemes migrants name (extends the welfare group)
    ("pension", "retirement", "gratuity", "superannuation", "sss", "gosi", "epf", "cpf", "socso"),
    # private sector (extends the business group)
    ("business", "firm", "corporation", "enterprise", "industry"),
    # harassment at work
    ("harassment", "bully", "bullied", "insult", "humiliate", "humiliated", "molest", "intimidate"),
    # abuse at work
    ("abuse", "mistreat", "maltreat", "beaten", "slapped", "assault"),
    # regularization / legal status
    ("regularize", "regularise", "amnesty", "legalize", "legalise"),
    # unpaid wages
    ("unpaid", "arrears", "withheld", "withhold", "backpay", "nonpayment"),
    # pay slip (extends the salary group)
    ("wage", "payslip", "payroll", "paycheck", "paycheque", "remuneration"),
    # working conditions: hours
    ("conditions", "overtime", "workload"),
    # working conditions: housing
    ("conditions", "dorm", "dormitory", "accommodation", "housing"),
    # decent work, dignity and respect
    ("dignity", "dignified", "respect", "disrespect"),
    # complaint / grievance mechanism
    ("complaint", "complain", "grievance", "hotline", "helpline"),
    # access to remedy
    ("remedy", "redress", "compensation", "reparation", "reimburse"),
    # domestic workers
    (
        "domestic",
        "maid",
        "housemaid",
        "nanny",
        "housekeeper",
        "babysitter",
        "household",
        "housework",
        "caregiver",
    ),
    # health care (extends the doctor group)
    ("hospital", "healthcare", "illness", "injury", "surgery", "sickness"),
    # birth certificates
    ("birth", "baby", "newborn", "infant", "maternity"),
    # keeping your own passport
    ("keep", "confiscate", "confiscated", "seize"),
    # arrest and immigration detention (extends the jail group)
    ("arrest", "raid", "crackdown", "custody", "detain"),
    # firewalls between services and immigration
    ("firewall", "confidential", "anonymous", "anonymity"),
    # visa / work permit
    ("visa", "permit", "iqama", "residency", "residence"),
    # Gulf sponsorship (kafala) -> employer (extends the boss group)
    ("employer", "sponsor", "kafala", "kafeel", "kafil"),
    # visa expired / overstay (extends the undocumented group)
    ("expired", "lapsed", "overstay"),
    # irregular status after running away from an employer (extends the undocumented group)
    ("irregular", "abscond", "runaway", "tnt"),
    # family reunification
    ("reunification", "reunite", "reunion"),
    # join my husband / wife
    ("spouse", "husband", "wife"),
    # licensed recruitment agency
    ("licensed", "licence", "licenced", "registered", "legit", "legitimate", "certified"),
    # pre-departure orientation
    ("departure", "predeparture", "depart", "pdos"),
    # skills shortages / jobs nobody wants (extends the shortage group)
    ("shortage", "vacancy", "unfilled", "understaffed", "demand"),
    # fair hiring / recruitment
    ("hire", "recruit", "headhunt"),
    # "kicked out" / deported (extends the deport group)
    ("deport", "kick", "expulsion", "removal", "banish", "blacklist"),
    # return, repatriation and reintegration (extends the deport/return group)
    ("return", "homecoming", "repatriate", "reintegration"),
    # evacuation / rescue in a crisis
    ("evacuation", "evacuated", "airlift", "rescue"),
    # stuck in a crisis / trapped
    ("stuck", "stranded", "marooned", "trapped"),
    # crises (MICIC, cross-border crises)
    ("crisis", "emergency", "unrest", "riot", "coup"),
    # remittance channels people name (extends the cash/remittance group)
    ("remittance", "padala", "hawala", "hundi", "moneygram", "bkash", "gcash"),
    # banks, de-risking, financial inclusion
    ("bank", "unbanked"),
    # cheaper transfers
    ("cheap", "affordable", "inexpensive"),
    # diaspora / nationals abroad
    ("diaspora", "expat", "expatriate", "compatriot", "ofw", "nri"),
    # public perception / positive image of migrants
    ("perception", "image", "reputation", "stereotype", "attitude"),
    # anti-migrant sentiment (extends the racism group)
    ("xenophobia", "hostility", "backlash", "intolerance", "antimigrant", "antiimmigrant"),
    # social costs: separated families
    ("separated", "homesick"),
    # social costs: family breakdown
    ("breakdown", "broken", "divorce"),
    # no jobs at home
    ("job", "jobless", "unemployed"),
    # "no job in my village" / hometown
    ("village", "rural", "countryside", "province", "barangay", "hometown"),
    # drought (extends the drought/climate group)
    ("drought", "famine", "desertification"),
    # small islands and sea-level rise (extends the island group)
    ("island", "atoll", "sinking", "submerged", "erosion", "sealevel"),
    # war and conflict (extends the war group)
    ("war", "bombing", "militia", "rebels", "insurgency", "genocide", "airstrike"),
    # forced / child marriage (not "married": that is family talk, not forced marriage)
    ("marriage", "bride", "dowry"),
    # girls at risk
    ("girl", "teenager", "adolescent"),
    # forced to leave / forced labour
    ("forced", "compelled", "coerced", "pressured"),
    # other natural disasters (extends the disaster group)
    ("disaster", "landslide", "volcano", "eruption", "wildfire", "calamity", "catastrophe"),
    # education (extends the school group)
    ("education", "tuition", "scholarship", "literacy"),
    # tricked / deceived / false promises (extends the fraud group)
    ("tricked", "deceived", "deception", "mislead", "misled", "lure", "duped", "swindle"),
    # modern slavery (extends the trafficking group)
    ("slavery", "enslaved", "servitude", "bondage", "captive", "captivity"),
    # recruitment debt / debt for the job
    ("debt", "owe", "loan", "borrow", "bondage", "moneylender"),
    # fishing boat
    ("boat", "vessel", "trawler", "seafarer", "seaman", "crew"),
    # fishing (forced labour at sea)
    ("fishing", "fisherman", "fishermen"),
    # police / law enforcement
    ("police", "policeman", "policemen", "constable"),
    # shelter for victims
    ("shelter", "safehouse"),
    # prosecution, punish traffickers
    ("prosecution", "punish", "convict", "sentenced"),
    # smugglers (extends the smuggler group)
    ("smuggler", "snakehead", "coyote"),
    # NGOs (extends the ngo group)
    ("ngo", "nonprofit", "nongovernmental", "volunteer", "cso"),
    # access to justice / legal aid (extends the lawyer group)
    ("justice", "lawyer", "attorney", "paralegal", "solicitor"),
    # recruitment fees deducted (extends the fee group)
    ("fee", "deduction"),
    # ethical recruitment
    ("ethical", "honest", "reputable", "scrupulous"),
)

# Irregular plurals and past forms, so "paid" finds "pay" and "children" finds "child".
_EN_IRREGULAR = {
    "women": "woman",
    "men": "man",
    "children": "child",
    "people": "person",
    "persons": "person",
    "lives": "life",
    "wives": "wife",
    "paid": "pay",
    "made": "make",
    "left": "leave",
    "sent": "send",
    "sold": "sell",
    "bought": "buy",
    "took": "take",
    "taken": "take",
    "gave": "give",
    "given": "give",
    "went": "go",
    "gone": "go",
    "came": "come",
    "held": "hold",
    "kept": "keep",
    "met": "meet",
    "found": "find",
    "lost": "lose",
    "fled": "flee",
    "brought": "bring",
    "chose": "choose",
    "chosen": "choose",
    "born": "birth",
    "thought": "think",
    "spent": "spend",
    "built": "build",
    "caught": "catch",
    "taught": "teach",
    "won": "win",
    "fell": "fall",
    "ran": "run",
    "lent": "lend",
    "owed": "owe",
    "stole": "steal",
    "stolen": "steal",
}
# English suffixes, longest first; two passes ("nationalities" -> national -> nation).
_EN_SUFFIXES = (
    "ization",
    "isation",
    "ition",
    "ation",
    "ments",
    "ment",
    "ness",
    "ship",
    "ance",
    "ence",
    "ing",
    "ity",
    "ive",
    "ion",
    "ist",
    "ism",
    "ate",
    "ant",
    "ent",
    "ful",
    "ies",
    "ee",
    "er",
    "ed",
    "ly",
    "al",
    "ic",
    "is",
    "iz",
    "y",
)
_RU_ENDINGS = tuple(
    sorted(
        split_words(
            """
            иями ями ами ого его ому ему ыми ими ых их ией ия ии ию иях иям ов ев ей ий ый ой
            ая яя ое ее ые ие ам ям ах ях ом ем ую юю ть ться тся а я о е ы и у ю ь
            """
        ),
        key=len,
        reverse=True,
    )
)
_BN_ENDINGS = tuple(
    sorted(
        split_words("গুলোর গুলোকে গুলো গুলি দেরকে দের েরা ের কে তে টি টা রা য় র ে"),
        key=len,
        reverse=True,
    )
)
_NE_ENDINGS = tuple(
    sorted(
        split_words("हरूको हरूलाई हरूमा हरू लाई बाट सँगको सँग बारे को का की ले मा मै"),
        key=len,
        reverse=True,
    )
)
_DOUBLE_END = re.compile(r"([bcdfgkmnprt])\1$")
_HYPHENATED = re.compile(r"\b(\w+)-(\w+)\b")

_SCRIPT_RANGES: tuple[tuple[str, str, str], ...] = (
    ("\u0400", "\u04ff", "ru"),
    ("\u0980", "\u09ff", "bn"),
    ("\u0900", "\u097f", "ne"),
    ("\u0e00", "\u0e7f", "th"),
)
_LATIN_LANGUAGES = ("en", "id", "tl", "vi")
# Languages whose neighbouring words are also indexed as one (see `spelled_terms`).
_PAIRED = frozenset({"vi"})

# Thai is written without spaces between words, and a word list good enough to cut it into
# words would be a large dependency. So a run of Thai letters is indexed as its overlapping
# three-letter pieces: a question that contains a keyword contains all of the keyword's pieces,
# a typo spoils only the pieces around it, and IDF makes pieces that every section has (from
# common words) count for little, as it does for common English words.
THAI_GRAM = 3
# Polite particles and question words at the end of a Thai question ("...ไหมครับ") say nothing
# about the topic; they are cut off before the run is split into pieces.
_THAI_TAIL = tuple(
    sorted(
        split_words(
            """
            ครับ คับ ค่ะ คะ ค่า จ้า จ้ะ นะ น่ะ หน่อย ไหม มั้ย มั๊ย หรือไม่ หรือเปล่า รึเปล่า บ้าง
            อะไร อย่างไร ยังไง แบบไหน ที่ไหน เมื่อไร เมื่อไหร่ ได้ไหม ได้มั้ย ได้หรือไม่ หรือ
            """
        ),
        key=len,
        reverse=True,
    )
)


def _stem_en(word: str) -> str:
    word = _EN_IRREGULAR.get(word, word)
    if len(word) <= 3:
        return word
    word = word.replace("bour", "bor").replace("vour", "vor")
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith(("sses", "ches", "shes", "xes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for _ in range(2):
        for suffix in _EN_SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                word = _DOUBLE_END.sub(r"\1", word[: -len(suffix)])
                break
        else:
            break
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    return word


def _strip_endings(word: str, endings: Sequence[str], keep: int, passes: int = 1) -> str:
    for _ in range(passes):
        for ending in endings:
            if word.endswith(ending) and len(word) - len(ending) >= keep:
                word = word[: -len(ending)]
                break
        else:
            break
    return word


def stem(word: str) -> str:
    """The stem of one folded word, by its script; the same for question and content."""
    if word.isascii():
        return _stem_en(word) if word.isalpha() else word
    first = word[0]
    if "\u0400" <= first <= "\u04ff":
        return _strip_endings(word, _RU_ENDINGS, keep=3)
    if "\u0980" <= first <= "\u09ff":
        return _strip_endings(word, _BN_ENDINGS, keep=2, passes=2)
    if "\u0900" <= first <= "\u097f":
        return _strip_endings(word, _NE_ENDINGS, keep=2, passes=2)
    return word


# Folded word -> term ("" for filler), shared by every index: content and questions repeat
# the same few thousand words, and stemming each once keeps the build fast.
_TERMS: dict[str, str] = {}
_TERMS_LIMIT = 500_000


def _term(word: str) -> str | None:
    """The indexed form of one folded word, or None for filler and single letters."""
    found = _TERMS.get(word)
    if found is None:
        filler = word in _STOPWORDS or (len(word) < 2 and not word.isdigit())
        found = "" if filler else stem(word)
        if len(_TERMS) < _TERMS_LIMIT:
            _TERMS[word] = found
    return found or None


def _thai_pieces(run: str) -> list[str]:
    """The overlapping THAI_GRAM-letter pieces of a run of Thai letters, particles cut off."""
    trimmed = True
    while trimmed and len(run) > THAI_GRAM:
        trimmed = False
        for tail in _THAI_TAIL:
            if run.endswith(tail) and len(run) - len(tail) >= THAI_GRAM:
                run, trimmed = run[: -len(tail)], True
                break
    if len(run) <= THAI_GRAM:
        return [run]
    return [run[start : start + THAI_GRAM] for start in range(len(run) - THAI_GRAM + 1)]


def _is_thai(word: str) -> bool:
    return "\u0e00" <= word[0] <= "\u0e7f"


def spelled_terms(
    text: str, *, joined: bool = False, syllable_pairs: bool = False
) -> list[tuple[str, str]]:
    """(folded word, term) pairs of `text`, in order, filler dropped.

    A run of Thai letters gives its pieces (see THAI_GRAM), each its own word and term.
    `joined` also adds hyphenated compounds written as one word ("inter-agency" ->
    "interagency"), so a question that writes them either way finds them.
    `syllable_pairs` also adds each two neighbouring words written as one ("hộ chiếu" ->
    "hochieu"), for Vietnamese: its words are one to three syllables written apart, and a
    syllable alone is ambiguous once folded ("hộ" household, "hồ" lake, "họ" they).
    """
    folded = fold(text)
    found: list[tuple[str, str]] = []
    previous: str | None = None
    for word in WORD.findall(folded):
        if _is_thai(word):
            found.extend((piece, piece) for piece in _thai_pieces(word))
            previous = None
        elif term := _term(word):
            found.append((word, term))
            if syllable_pairs and previous is not None and (pair := _term(previous + word)):
                found.append((previous + word, pair))
            previous = word
        else:
            previous = None
    if joined and "-" in folded:
        for left, right in _HYPHENATED.findall(folded):
            if (term := _term(left + right)) is not None:
                found.append((left + right, term))
    return found


def terms(text: str, *, joined: bool = False) -> list[str]:
    """The terms (folded, filler dropped, stemmed) of `text`, in order."""
    return [term for _, term in spelled_terms(text, joined=joined)]


def _synonyms() -> dict[str, tuple[str, ...]]:
    table: dict[str, set[str]] = {}
    for group in _SYNONYM_GROUPS:
        stems = {stem(fold(word)) for word in group}
        for member in stems:
            table.setdefault(member, set()).update(stems - {member})
    return {word: tuple(sorted(others)) for word, others in table.items()}


_SYNONYMS = _synonyms()


def detect_script_language(text: str) -> str | None:
    """The language a script implies (ru, bn, ne, th; vi for Latin letters only Vietnamese
    uses), "latin" for other Latin text, or None (another script, or no letters)."""
    counts: dict[str, int] = {}
    vietnamese = False
    for char in text:
        if char.isascii():
            if char.isalpha():
                counts["latin"] = counts.get("latin", 0) + 1
            continue
        for low, high, lang in _SCRIPT_RANGES:
            if low <= char <= high:
                counts[lang] = counts.get(lang, 0) + 1
                break
        else:
            if char.isalpha():
                key = "latin" if _is_latin(char) else "other"
                counts[key] = counts.get(key, 0) + 1
                vietnamese = vietnamese or _is_vietnamese(char)
    if not counts:
        return None
    best = max(counts, key=lambda key: counts[key])
    if best == "latin" and vietnamese:
        return "vi"
    return None if best == "other" else best


def _is_latin(char: str) -> bool:
    return "\u00c0" <= char <= "\u024f" or "\u1e00" <= char <= "\u1eff"


# Letters no other language the bot meets writes: ă đ ơ ư and the stacked tone marks (ạ ế ộ...).
# Typed without them, Vietnamese is scored with the other Latin-script languages.
_VIETNAMESE_LETTERS = frozenset("ăđơưĂĐƠƯ")


def _is_vietnamese(char: str) -> bool:
    return char in _VIETNAMESE_LETTERS or "\u1ea0" <= char <= "\u1ef9"


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A section and how well it matches, 0-100."""

    section_id: str
    score: float


@dataclass(frozen=True)
class MatchResult:
    """What matched a question and what the bot should do with it."""

    query: str
    decision: Decision
    candidates: tuple[Candidate, ...]  # ranked, best first (at most 5)
    distress: bool
    lang: str  # language the query was matched in
    answer: str | None  # section shown straight away (decision == "answer")
    alternatives: tuple[str, ...]  # other sections offered as buttons, best first
    # The kind of danger (a `bot.content.models.DISTRESS_KINDS` value) when `distress`, else
    # None: it picks the urgent-help note. Lexical signals set it (`bot.distress`).
    distress_kind: str | None = None
    # A conversation act instead of a question ("greeting", "thanks", "who"...; see
    # bot/matching/intents.py), or None. With an intent, `answer` is None.
    intent: str | None = None

    @property
    def score(self) -> float:
        """The best candidate's score, 0 when nothing matched."""
        return self.candidates[0].score if self.candidates else 0.0


# ---------------------------------------------------------------------------------------------
# Index
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Phrase:
    """One phrase of a section (example question, keyword, title, sentence)."""

    section: int
    weight: float  # sum of the terms' IDF, at least MIN_PHRASE_WEIGHT
    factor: float
    size: int = 0  # number of terms, for titles only (see _phrase_scores)


# A question word's matches: (term, similarity 0-1), best first.
_Matches = tuple[tuple[str, float], ...]


@dataclass
class _Index:
    """The vocabulary of one language: which sections use which terms, and how rare each is."""

    lang: str
    # term -> (section, field weight, whether a curated field has it)
    postings: dict[str, list[tuple[int, float, bool]]]
    idf: dict[str, float]
    phrases: list[_Phrase]
    phrase_postings: dict[str, dict[int, list[int]]]  # term -> section -> its phrases with it
    # Words as written (folded) and terms, by (first letter, length), for typo look-ups.
    spellings: dict[tuple[str, int], list[str]]
    spelled: dict[str, str]  # written word -> its term
    cache: dict[str, tuple[_Matches, ...]] = field(default_factory=dict)

    def lookup(self, word: str) -> tuple[_Matches, ...]:
        """What one folded question word matches: one entry, or two if a space was missing."""
        cached = self.cache.get(word)
        if cached is not None:
            return cached
        found = self._lookup(word)
        if len(self.cache) >= _CACHE_LIMIT:
            self.cache.clear()
        self.cache[word] = found
        return found

    def _lookup(self, word: str) -> tuple[_Matches, ...]:
        term = _term(word)
        if term is None:
            return ()
        matches: dict[str, float] = {}
        if term in self.postings:
            matches[term] = 1.0
        elif not word.isdigit():
            # A typo is likelier than a missing space: split only what no typo explains.
            matches.update(self._fuzzy(word, term))
            split = None if matches else self._split(word)
            if split:
                return tuple(self._with_synonyms(part, {part: 1.0}) for part in split)
        return (self._with_synonyms(term, matches),)

    def _with_synonyms(self, term: str, matches: dict[str, float]) -> _Matches:
        for other in _SYNONYMS.get(term, ()):
            if other in self.postings and other not in matches:
                matches[other] = SYNONYM_SIMILARITY
        return tuple(sorted(matches.items(), key=lambda item: -item[1]))

    def _split(self, word: str) -> tuple[str, str] | None:
        """Two known terms written without a space ("humanrights"), longest left part first."""
        if not 2 * _SPLIT_MIN <= len(word) <= _SPLIT_MAX or not word.isalpha():
            return None
        for cut in range(len(word) - _SPLIT_MIN, _SPLIT_MIN - 1, -1):
            left, right = _term(word[:cut]), _term(word[cut:])
            if left in self.postings and right in self.postings:
                return left, right
        return None

    def _fuzzy(self, word: str, term: str) -> dict[str, float]:
        """Known terms within a typo or two of the word (or of its stem), same first letter."""
        found: dict[str, float] = {}
        for probe in {word, term}:
            allowed = _allowed_typos(probe)
            if not allowed:
                continue
            choices = [
                known
                for length in range(len(probe) - allowed, len(probe) + allowed + 1)
                for known in self.spellings.get((probe[0], length), ())
            ]
            if len(probe) < FUZZY_MIN_LENGTH:  # a short word may only have lost a letter
                choices = [known for known in choices if len(known) > len(probe)]
            for known, distance, _ in process.extract(
                probe, choices, scorer=OSA.distance, score_cutoff=allowed, limit=FUZZY_LIMIT
            ):
                similarity = 1.0 - TYPO_PENALTY * distance * 8 / max(len(probe), 4)
                target = self.spelled[known]
                if similarity > found.get(target, 0.0):
                    found[target] = similarity
        return found


def _allowed_typos(word: str) -> int:
    """How many typos (OSA edits) a word of this length may have and still be recognised."""
    if len(word) >= 9:
        return 2
    if len(word) >= FUZZY_MIN_LENGTH - 1 and word.isalpha():
        return 1
    return 0


def _sentences(text: str) -> list[str]:
    return [part for part in re.split(r"(?<=[.!?;:])\s+|\n+", text) if part.strip()]


def _section_phrases(section: Section, lang: str) -> list[tuple[str, list[str]]]:
    """(field, phrases) of one section in one language; a phrase is one question, keyword,
    key point, title or sentence."""
    found: list[tuple[str, list[str]]] = []
    for name in ("title", "summary", "for_migrants"):
        text = getattr(section, name).get(lang, "")
        if text:
            found.append((name, [text] if name == "title" else _sentences(text)))
    for name in ("keywords", "questions", "key_points"):
        items = list(getattr(section, name).get(lang, ()))
        if items:
            found.append((name, items))
    if lang == DEFAULT_LANGUAGE and section.original:
        found.append(("original", _sentences(section.original)))
    return found


def _build_index(lang: str, sections: Sequence[Section]) -> _Index | None:
    """Index the sections' text in `lang`; None when no section is written in it."""
    counts: list[dict[str, tuple[float, int]]] = []  # per section: term -> (best weight, fields)
    spelled: dict[str, str] = {}
    raw_phrases: list[tuple[int, frozenset[str], str]] = []
    for number, section in enumerate(sections):
        weights: dict[str, tuple[float, int]] = {}
        for name, texts in _section_phrases(section, lang):
            weight = FIELD_WEIGHTS[name]
            seen: set[str] = set()
            for phrase in texts:
                pairs = spelled_terms(phrase, joined=True, syllable_pairs=lang in _PAIRED)
                for word, term in pairs:
                    spelled.setdefault(word, term)
                phrase_terms = frozenset(term for _, term in pairs)
                if phrase_terms:
                    seen.update(phrase_terms)
                    raw_phrases.append((number, phrase_terms, name))
            for term in seen:
                best, fields = weights.get(term, (0.0, 0))
                weights[term] = (max(best, weight), fields + 1)
        counts.append(weights)
    if not any(counts):
        return None
    # Every section counts, written in this language or not: while a translation covers only
    # a few sections, its words must not look common just because its index is small.
    total = len(counts)
    frequency: dict[str, int] = {}
    for weights in counts:
        for term in weights:
            frequency[term] = frequency.get(term, 0) + 1
    # BM25's IDF: never negative, about 0 for a word every section uses.
    idf = {
        term: math.log(1 + (total - seen + 0.5) / (seen + 0.5)) for term, seen in frequency.items()
    }
    postings: dict[str, list[tuple[int, float, bool]]] = {}
    for number, weights in enumerate(counts):
        for term, (best, fields) in weights.items():
            weight = min(1.0, best + FIELD_BONUS * (fields - 1))
            postings.setdefault(term, []).append((number, weight, best >= CURATED_WEIGHT))
    phrases: list[_Phrase] = []
    phrase_postings: dict[str, dict[int, list[int]]] = {}
    seen_phrases: set[tuple[int, frozenset[str]]] = set()
    for number, phrase_terms, name in raw_phrases:
        if (number, phrase_terms) in seen_phrases:
            continue
        seen_phrases.add((number, phrase_terms))
        weight = max(MIN_PHRASE_WEIGHT, sum(idf[term] for term in phrase_terms))
        for term in phrase_terms:
            phrase_postings.setdefault(term, {}).setdefault(number, []).append(len(phrases))
        size = len(phrase_terms) if name == "title" else 0
        phrases.append(_Phrase(number, weight, PHRASE_FACTORS[name], size))
    for term in postings:
        spelled.setdefault(term, term)
    spellings: dict[tuple[str, int], list[str]] = {}
    for known in spelled:
        if known.isdigit() or len(known) < FUZZY_MIN_LENGTH - 1:
            continue
        spellings.setdefault((known[0], len(known)), []).append(known)
    return _Index(lang, postings, idf, phrases, phrase_postings, spellings, spelled)


# ---------------------------------------------------------------------------------------------
# Matcher
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Scored:
    lang: str
    scores: dict[int, float]


class Matcher:
    """The section index of one Library; build it once, match many questions."""

    def __init__(
        self,
        section_ids: Sequence[str],
        indexes: dict[str, _Index],
        urgent_sections: Iterable[str] = (),
    ) -> None:
        self._ids = tuple(section_ids)
        self._indexes = indexes
        urgent = set(urgent_sections)
        self._urgent = frozenset(number for number, sid in enumerate(self._ids) if sid in urgent)
        # Recent results: people ask the same short questions ("remittances", "passport")
        # over and over. The cache lives and dies with this matcher, so a content swap, which
        # builds a new matcher, can never serve an answer from the old content.
        self._results: OrderedDict[tuple[str, str | None], MatchResult] = OrderedDict()

    @classmethod
    def build(cls, library: Library) -> Matcher:
        """Index every section of `library` in every language it is written in."""
        sections = library.sections
        indexes: dict[str, _Index] = {}
        for lang in SUPPORTED_LANGUAGES:
            index = _build_index(lang, sections)
            if index is not None:
                indexes[lang] = index
        return cls([section.id for section in sections], indexes, library.urgent_sections)

    @property
    def languages(self) -> tuple[str, ...]:
        """Languages the index has content in."""
        return tuple(self._indexes)

    def match(self, query: str, lang: str | None = None) -> MatchResult:
        """Rank the sections for `query` and decide: answer, clarify or none.

        Args:
            query: the user's message, as typed.
            lang: the user's language. A Latin-script question that reads about as well in
                it as in another language is matched in it; when nothing matches, or the
                script is not one the library has (Khmer), it is the `lang` reported.
        """
        key = (query, lang)
        cached = self._results.get(key)
        if cached is not None:
            self._results.move_to_end(key)
            return cached
        result = self._match(query, lang)
        self._results[key] = result
        if len(self._results) > RESULT_CACHE_SIZE:
            self._results.popitem(last=False)
        return result

    def _match(self, query: str, lang: str | None) -> MatchResult:
        hint = lang if lang in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE
        kinds = distress_kinds(query)
        distress = bool(kinds)
        scored = self._score(query, hint)
        scores = scored.scores
        if distress and self._urgent:
            boost = DISTRESS_SECTION_BOOST
            scores = {
                number: min(100.0, score * boost) if number in self._urgent else score
                for number, score in scores.items()
            }
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        candidates = tuple(
            Candidate(self._ids[number], round(score, 1))
            for number, score in ranked[:MAX_CANDIDATES]
            if score > 0
        )
        decision, answer, alternatives = decide(candidates)
        kind = kinds[0] if kinds else None
        return MatchResult(
            query, decision, candidates, distress, scored.lang, answer, alternatives, kind
        )

    def _score(self, query: str, hint: str) -> _Scored:
        script = detect_script_language(query)
        # Vietnamese letters in a library without Vietnamese: Latin text like any other.
        if script == "latin" or (script == "vi" and "vi" not in self._indexes):
            langs = [code for code in _LATIN_LANGUAGES if code in self._indexes]
            fallback = hint if hint in _LATIN_LANGUAGES else DEFAULT_LANGUAGE
        elif script in SUPPORTED_LANGUAGES:
            langs = [script] if script in self._indexes else []
            fallback = script
        else:
            # Another script (Lao, Khmer, Burmese, Chinese...): try English, whose
            # vocabulary may still share names such as "ASEAN"; otherwise an honest "none".
            langs = [DEFAULT_LANGUAGE] if DEFAULT_LANGUAGE in self._indexes else []
            fallback = hint
        words = _query_words(query)
        paired = _query_words(query, syllable_pairs=True) if _PAIRED.intersection(langs) else []
        if script == "latin" and hint in langs and _knows_every_word(self._indexes[hint], words):
            # Every word is a word of the user's own language: "border control" from an English
            # user is English, even if Taglish content in another language scores it higher.
            langs = [hint]
        best = _Scored(fallback, {})
        best_top = 0.0
        # The user's language first, then English: a later language must do clearly better.
        for code in sorted(langs, key=lambda code: (code != hint, code != DEFAULT_LANGUAGE)):
            beat = best_top * LANGUAGE_MARGIN
            scores = _score_index(self._indexes[code], paired if code in _PAIRED else words, beat)
            top = max(scores.values(), default=0.0)
            if top > beat and top > 0:
                best, best_top = _Scored(code, scores), top
        return best


def _query_words(query: str, *, syllable_pairs: bool = False) -> list[str]:
    """Folded words of a question with distinct terms, in order, at most MAX_QUERY_WORDS (a
    Thai word is several pieces, so pieces are counted as a fraction of a word)."""
    seen: dict[str, str] = {}
    size = 0.0
    for word, term in spelled_terms(query, syllable_pairs=syllable_pairs):
        if term in seen:
            continue
        seen[term] = word
        size += 1 / THAI_GRAM if _is_thai(word) else 1
        if size >= MAX_QUERY_WORDS:
            break
    return list(seen.values())


def _knows_every_word(index: _Index, words: Iterable[str]) -> bool:
    """Whether every question word is, exactly, a term of this language's content."""
    found = [_term(word) for word in words]
    return bool(found) and all(term in index.postings for term in found if term is not None)


def _score_index(index: _Index, words: Iterable[str], beat: float = 0.0) -> dict[int, float]:
    """Score every section of one language index for the question words, 0-100.

    With `beat`, a language that cannot score above it even with perfect phrase scores is
    not scored further (the phrase scores are most of the work): the result is then empty.
    """
    matched: list[_Matches] = []
    unknown_weights: list[float] = []
    for word in words:
        looked_up = index.lookup(word)
        matched.extend(looked_up)
        # A Thai piece is a third of a word: unknown, it weighs a third of an unknown word.
        unknown = UNKNOWN_WORD_WEIGHT / THAI_GRAM if _is_thai(word) else UNKNOWN_WORD_WEIGHT
        unknown_weights.extend([unknown] * len(looked_up))
    if not matched:
        return {}
    idf = index.idf
    # A word weighs as much as its rarest match: a common word with a specific synonym ("work"
    # and "job" or "employer") still says something about the topic. (Weighing only the
    # closest match was tried: it lost four dev paraphrases and gained none.)
    weights = [
        max((idf[term] for term, _ in found), default=unknown)
        for found, unknown in zip(matched, unknown_weights, strict=True)
    ]
    total = max(sum(weights), MIN_QUERY_WEIGHT)
    unknown = sum(weight for found, weight in zip(matched, weights, strict=True) if not found)
    off_topic = UNKNOWN_SHARE_FACTOR if unknown / total > UNKNOWN_SHARE_LIMIT else 1.0

    word_scores: dict[int, float] = {}
    curated: set[int] = set()
    for found, weight in zip(matched, weights, strict=True):
        best: dict[int, float] = {}
        for term, value in found:
            for section, field_weight, in_curated in index.postings[term]:
                if value * field_weight > best.get(section, 0.0):
                    best[section] = value * field_weight
                if in_curated:
                    curated.add(section)
        for section, value in best.items():
            word_scores[section] = word_scores.get(section, 0.0) + weight * value / total
    if not word_scores:
        return {}
    if beat > 0.0:
        bound = max(
            100.0
            * (WORD_WEIGHT * value + PHRASE_WEIGHT)
            * (1.0 if section in curated else UNCURATED_FACTOR)
            * off_topic
            for section, value in word_scores.items()
        )
        if bound <= beat:
            return {}

    shortlist = sorted(word_scores, key=lambda section: -word_scores[section])[:PHRASE_RERANK]
    phrase_scores = _phrase_scores(index, matched, weights, total, shortlist)
    return {
        section: 100.0
        * (WORD_WEIGHT * word_scores[section] + PHRASE_WEIGHT * phrase_scores.get(section, 0.0))
        * (1.0 if section in curated else UNCURATED_FACTOR)
        * off_topic
        for section in word_scores
    }


def _phrase_scores(
    index: _Index,
    matched: Sequence[_Matches],
    weights: Sequence[float],
    total: float,
    shortlist: Sequence[int],
) -> dict[int, float]:
    """Best phrase per shortlisted section: the geometric mean of how much of the question
    the phrase covers and how much of the phrase the question covers (both IDF-weighted)."""
    covered_query: dict[int, dict[int, float]] = {}  # phrase -> question word -> similarity
    covered_phrase: dict[int, dict[str, float]] = {}  # phrase -> phrase term -> similarity
    for position, found in enumerate(matched):
        for term, similarity in found:
            by_section = index.phrase_postings.get(term)
            if not by_section:
                continue
            for section in shortlist:
                for number in by_section.get(section, ()):
                    by_word = covered_query.setdefault(number, {})
                    by_word[position] = max(by_word.get(position, 0.0), similarity)
                    by_term = covered_phrase.setdefault(number, {})
                    by_term[term] = max(by_term.get(term, 0.0), similarity)
    best: dict[int, float] = {}
    for number, by_word in covered_query.items():
        phrase = index.phrases[number]
        query_share = sum(weights[position] * value for position, value in by_word.items())
        phrase_share = sum(index.idf[term] * sim for term, sim in covered_phrase[number].items())
        value = phrase.factor * math.sqrt(
            min(1.0, query_share / total) * min(1.0, phrase_share / phrase.weight)
        )
        if phrase.size:
            # A title is the section's name: a question that says it ("your rights as a
            # migrant") finds it even when its words are everywhere, so count words here.
            by_count = len(by_word) / len(matched) * len(covered_phrase[number]) / phrase.size
            value = max(value, math.sqrt(by_count))
        if value > best.get(phrase.section, 0.0):
            best[phrase.section] = value
    return best


def decide(candidates: Sequence[Candidate]) -> tuple[Decision, str | None, tuple[str, ...]]:
    """Turn ranked candidates into a decision, the answer and the alternatives."""
    if not candidates or candidates[0].score < NONE_BELOW:
        suggestions = tuple(c.section_id for c in candidates[:3] if c.score >= SUGGEST_MIN)
        return "none", None, suggestions
    top = candidates[0].score
    close = [c.section_id for c in candidates[:3] if c.score >= top * CLARIFY_RATIO]
    if len(close) >= 2 and top < CLARIFY_BELOW:
        return "clarify", None, tuple(close)
    floor = max(ALTERNATIVE_MIN, top * ALTERNATIVE_SHARE)
    alternatives = tuple(c.section_id for c in candidates[1:3] if c.score >= floor)
    return "answer", candidates[0].section_id, alternatives
