"""Rules that recognise page furniture left in extracted article text.

Every rule is a small named predicate over ONE line or paragraph, anchored on the
whole line wherever possible, so that prose which merely mentions the same words
("read more", "Loading the ship", "Advertisement revenue fell") is kept.
The link-list rule judges a block by its linked text. Repeated paragraphs are
``repeats``; the per-site learner of furniture lines is ``learner``.
Pure Python: no Scrapy, no trafilatura.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable

logger = logging.getLogger(__name__)

_NON_WORD = re.compile(r"[\W_]+")
_ELLIPSIS = r"(?:\.{2,}|…)?"


@functools.lru_cache(maxsize=8192)  # the same block is compared by several rules of one page
def normalise_line(line: str) -> str:
    """Casefolded words separated by single spaces: the identity used to compare lines."""
    return _NON_WORD.sub(" ", unicodedata.normalize("NFKC", line).casefold()).strip()


def word_count(line: str) -> int:
    return len(line.split())


# Scripts written without spaces between words: Han (Chinese, Japanese kanji), kana. A word
# of Chinese or Japanese is about two characters, so a line of 24 such characters counts as
# 12 words. (Hangul is written with spaces and counts by words.)
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")
_UNSPACED_CHARS_PER_WORD = 2


def text_units(line: str) -> int:
    """Words of a line, counting scripts without spaces by characters (two per word)."""
    return max(len(line.split()), len(_UNSPACED.findall(line)) // _UNSPACED_CHARS_PER_WORD)


def _whole_line(*alternatives: str) -> re.Pattern[str]:
    """A case-insensitive pattern that must match the entire stripped line."""
    return re.compile("(?:" + "|".join(alternatives) + r")[\s.:!|·•–—-]*", re.IGNORECASE)


# "READ MORE: Some headline", "Also read - ...". A colon/dash is required after the
# label, so a sentence like "Related to this, the port..." is not a teaser.
_TEASER_LABELS = (
    r"read more|read also|also read|more to read|related|related articles?|related stories|"
    r"related news|see also|more on this( story| topic)?|recommended|you may also like|"
    r"you might also like|further reading|read next|most read|don'?t miss|must read|читайте также|по теме|"
    # the same labels in the languages of the pages crawled
    r"lesen sie auch|lesen sie mehr|mehr zum thema|auch interessant|das könnte sie auch interessieren|"
    r"à lire aussi|lire aussi|lee también|leia também|lees ook|les også|läs också|læs også|"
    r"czytaj (?:więcej|także|też)|přečtěte si také|ilgili haberler"
)
_TEASER_PREFIX = re.compile("(?:" + _TEASER_LABELS + r")(?: about)?\s*[:|»>–—-]\s*\S", re.IGNORECASE)
_TEASER_ALONE = _whole_line(_TEASER_LABELS.replace("'", "['’]"))
_TEASER_MAX_WORDS = 25  # a teaser is a label plus one headline, never a paragraph


def is_teaser_link(line: str) -> bool:
    """'READ MORE: headline', 'Related:', 'See also' ... — links to other articles."""
    line = line.strip()
    if _TEASER_ALONE.fullmatch(line):
        return True
    return word_count(line) <= _TEASER_MAX_WORDS and _TEASER_PREFIX.match(line) is not None


_LOADING = _whole_line(r"loading" + _ELLIPSIS, r"please wait" + _ELLIPSIS, r"загрузка" + _ELLIPSIS)
# What a widget says when it fails or needs JavaScript: a whole short line only.
_WIDGET_MESSAGE = re.compile(
    r"(?:an? (?:unexpected )?error (?:has )?occurred|something went wrong)\b.{0,60}"
    r"|(?:please )?(?:enable|turn on) javascript\b.{0,80}|javascript is (?:disabled|required)\b.{0,80}"
    r"|your browser does not support\b.{0,60}|this (?:video|content|embed) is (?:not available|unavailable)\b.{0,40}"
    # the consent placeholder of an embed: "Externer Inhalt nicht verfügbar", "Ich bin damit
    # einverstanden, dass mir der externe Inhalt angezeigt wird…"
    r"|externer inhalt(?: nicht verfügbar)?\.?|empfohlener redaktioneller inhalt",
    re.IGNORECASE,
)
_EXTERNAL_CONTENT = re.compile(r"\bexterne[nr]?\s+inhalte?\b", re.IGNORECASE)
_CONSENT_WORDS = re.compile(r"\b(?:einverstanden|einstellungen|angezeigt|anzuzeigen|laden|aktivier)", re.IGNORECASE)
_CONSENT_MAX_WORDS = 60


# "Spotted an error? Let us know", "Fehler gefunden? Jetzt melden.", "Signaler une erreur":
# the correction form under an article, never more than a question and a button.
_ERROR_REPORT = re.compile(
    r"(?:(?:found|spotted|see) an? (?:error|mistake|typo)\?|fehler gefunden\?|hai trovato un errore\?"
    r"|¿?(?:has visto|encontraste) un error\?)[\s\w!.]{0,40}"
    r"|(?:report (?:an? )?(?:error|typo|mistake|correction)|fehler melden|signaler une erreur|segnala un errore"
    r"|reportar un error)[.!]?",
    re.IGNORECASE)
_ERROR_REPORT_MAX_WORDS = 10


def is_error_report_prompt(line: str) -> bool:
    """'Spotted an error? Let us know.', 'Fehler gefunden? Jetzt melden.': the correction form."""
    line = line.strip()
    return word_count(line) <= _ERROR_REPORT_MAX_WORDS and _ERROR_REPORT.fullmatch(line) is not None


def is_loading_placeholder(line: str) -> bool:
    """'Loading...' left where a JavaScript widget (tweet, video, poll) would render, or the
    widget's own failure text ('An error has occurred, please try again later.')."""
    line = line.strip()
    if _LOADING.fullmatch(line) is not None or _WIDGET_MESSAGE.fullmatch(line) is not None:
        return True
    # the consent placeholder of an embed: "Ich bin damit einverstanden, dass mir der externe Inhalt angezeigt wird"
    return (word_count(line) <= _CONSENT_MAX_WORDS and _EXTERNAL_CONTENT.search(line) is not None
            and _CONSENT_WORDS.search(line) is not None)


_AD_LABEL = _whole_line(
    r"advertisement", r"advertising", r"ads?", r"sponsored(?: content)?", r"promoted",
    r"partner content", r"paid content", r"story continues below(?: advertisement)?", r"реклама",
    r"advertisement\s*[\w-]*?\s*story continues below",  # "Advertisement 1Story continues below"
    r"anzeige", r"werbung", r"publicité", r"passer la publicité", r"publicidad", r"pubblicità", r"annonse",
)


def is_ad_label(line: str) -> bool:
    """'Advertisement', 'Sponsored', 'Ad' alone on a line."""
    return _AD_LABEL.fullmatch(line.strip()) is not None


_CALL_TO_ACTION = re.compile(
    r"(?:please )?subscribe(?: now| today| here)?[.!]?$"
    r"|subscribe to (?:our|the) "
    r"|sign up (?:for|to) (?:our|the)\b.*\b(?:newsletter|alerts|briefing|updates)"
    r"|get (?:the|our) .*\b(?:in|to) your inbox"
    r"|support (?:our|independent|quality) journalism"
    r"|(?:please )?(?:donate|make a donation|become a (?:member|supporter|subscriber))\b"
    r"|already (?:a subscriber|have an account)"
    r"|(?:follow|join) us on (?:telegram|twitter|facebook|instagram|whatsapp|x)\b"
    r"|подпишитесь\b",
    re.IGNORECASE,
)
_CALL_TO_ACTION_MAX_WORDS = 40  # boxes are short; a long paragraph is reporting about them


# Phrases that mark a whole short box wherever they sit in it ("Start your day with X.
# Sign up today to get the free newsletter delivered to your inbox.")
_CALL_TO_ACTION_ANYWHERE = re.compile(
    r"\bsign up\b.{0,80}\bnewsletters?\b|\bnewsletters?\b.{0,80}\binbox\b"
    r"|\bdelivered (?:straight |right |directly )?to your inbox\b|\bclick here\b|\btap here\b"
    r"|^[\w'’ -]{1,40} newsletters?$|\bsubscribe to (?:our|the) \w",
    re.IGNORECASE,
)


# Every pattern above contains one of these: a cheap test that spares the others on prose.
_CALL_TO_ACTION_HINT = re.compile(
    r"subscri|sign up|newsletter|inbox|journalism|donat|member|supporter|account|follow|join|подпиш|click|tap here",
    re.IGNORECASE)


def is_call_to_action(line: str) -> bool:
    """Newsletter, subscription and donation boxes ('Sign up for our newsletter', 'Subscribe',
    'Click here for more information', 'Pick Six Newsletter')."""
    line = line.strip()
    if word_count(line) > _CALL_TO_ACTION_MAX_WORDS or not _CALL_TO_ACTION_HINT.search(line):
        return False
    return _CALL_TO_ACTION.match(line) is not None or _CALL_TO_ACTION_ANYWHERE.search(line) is not None


_SHARE_WORDS = frozenset(
    {"share", "shares", "sharing", "tweet", "facebook", "twitter", "x", "email", "e-mail", "mail", "whatsapp"}
    | {"telegram", "linkedin", "reddit", "pinterest", "vk", "messenger", "print", "copy", "link", "url"}
    | {"comments", "comment", "this", "article", "on", "via", "поделиться", "save", "reprints", "order", "permalink"}
)


_SHARE_BAR_MAX_WORDS = 15  # "Share on Facebook Share on Twitter Share via Email Print"


def is_share_bar(line: str) -> bool:
    """'Share', 'Tweet', 'Facebook Twitter Email': a line made only of share-button words."""
    if word_count(line) > _SHARE_BAR_MAX_WORDS:
        return False
    words = re.split(r"[\s|/·•,]+", line.strip().casefold())
    words = [w.strip(".:!") for w in words if w.strip(".:!")]
    return bool(words) and all(w in _SHARE_WORDS for w in words) and not set(words) <= {"on", "via", "this"}


_COOKIE = re.compile(
    r"\bwe use cookies\b|\b(?:this|our) (?:web)?site uses cookies\b"
    r"|\b(?:accept|agree to) (?:our|the) use of cookies\b|\bby continuing to (?:browse|use)\b.*\bcookies\b"
    r"|^(?:accept|reject|manage)(?: all)? cookies$|^cookie (?:settings|preferences|policy)$"
    r"|\bиспользуем (?:файлы )?cookie",
    re.IGNORECASE,
)


def is_cookie_notice(line: str) -> bool:
    """Cookie-consent banner text ('We use cookies ... you agree to our use of cookies')."""
    return "cookie" in line.casefold() and _COOKIE.search(line.strip()) is not None


_AGENCIES = (
    r"AP|AFP|Reuters|Getty Images|Getty|EPA(?:-EFE)?|EFE|TASS|ТАСС|AA|Anadolu(?: Agency)?|Xinhua|"
    r"Sputnik|RIA Novosti|РИА Новости|Shutterstock|Bloomberg|DPA|ANSA|Kyodo|Yonhap|PA(?: Images)?"
)
# "AP", "Reuters", "Pavel Lebedev / TASS", "(AP Photo/Jane Doe)", "AFP via Getty Images"
_AGENCY_CREDIT = re.compile(
    r"\(?(?:[\w.'’ -]{1,40}\s*/\s*)?(?:" + _AGENCIES + r")(?: (?:Photo|Images|Video))?"
    r"(?:\s*/\s*[\w.'’ -]{1,40})?(?: via (?:" + _AGENCIES + r"))?\)?\.?"
)
# "Photo: Jane Doe", "Image credit - Getty", "Фото: ..."
_LABELLED_CREDIT = re.compile(
    r"(?:photo|photograph|image|picture|video|illustration|credit|фото)(?: credit| source)?s?\s*[:©/–—-]\s*.{1,80}",
    re.IGNORECASE,
)
_CREDIT_MAX_WORDS = 10


def is_photo_credit(line: str) -> bool:
    """A photo/agency credit alone on a line: 'AP', 'AFP', 'Photo: ...', 'Name / TASS'."""
    line = line.strip()
    if not line or word_count(line) > _CREDIT_MAX_WORDS:
        return False
    return _AGENCY_CREDIT.fullmatch(line) is not None or _LABELLED_CREDIT.fullmatch(line) is not None


_EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
_HANDLE = r"(?<![\w@])@\w{2,}"
# "Follow us on Twitter", "Email Jane at j@x.com or follow her @jane", "Write to Al Root at a@b.com",
# "Have a tip? Jane may be reached at ...": how to reach the author or the outlet.
_CONTACT = re.compile(
    r"\bfollow (?:us|him|her|them|me|" + _HANDLE + r"|(?:the )?[A-Z][\w.'’ ]{1,60}?) on "
    r"(?:twitter|x|facebook|instagram|linkedin|telegram|tiktok|youtube)\b"
    r"|\bfollow (?:us|him|her|them|me) (?:at |on )?" + _HANDLE +
    r"|^(?:e-?mail|write to|contact|reach) [^.]{1,60}? at " + _EMAIL +
    r"|\b(?:can|may) be reached at\b|^have a (?:news )?tip\b",
    re.IGNORECASE,
)
_CONTACT_MAX_WORDS = 40


_CONTACT_HINT = re.compile(r"follow|@|reached|tip", re.IGNORECASE)  # in every pattern above
# "Got a story? Email webnews@metro.co.uk", "Ihr Feedback an: briefe@berliner-zeitung.de":
# reporting does not end a paragraph on a bare e-mail address; an invitation to write does.
_ENDS_WITH_EMAIL = re.compile(_EMAIL + r"[\s.)\]]*$")


def is_contact_line(line: str) -> bool:
    """How to reach or follow the author or outlet: 'Follow us on Twitter', 'Write to X at x@y.com',
    'Do you have a story to tell? Email: news@example.com'."""
    line = line.strip()
    if word_count(line) > _CONTACT_MAX_WORDS or _CONTACT_HINT.search(line) is None:
        return False
    return _CONTACT.search(line) is not None or _ENDS_WITH_EMAIL.search(line) is not None


_LEGAL = re.compile(
    r"(?:copyright\s*)?(?:©|\(c\)).{0,150}"  # the sign makes it a notice whatever follows
    r"|copyright\b.{0,60}\b(?:19|20)\d\d\b.{0,80}"  # the word needs a year: "Copyright lawyers say" is prose
    r"|.{0,150}\ball rights reserved\b.{0,150}"
    r"|.{0,100}\bfor your personal,? non-?commercial use only\b.{0,400}",
    re.IGNORECASE,
)
_LEGAL_MAX_WORDS = 70


def is_legal_notice(line: str) -> bool:
    """'Copyright 2019 X. All rights reserved.', '© X 2023', reprint notices."""
    line = line.strip()
    return word_count(line) <= _LEGAL_MAX_WORDS and _LEGAL.fullmatch(line) is not None


# "Reporting by A; Editing by B", "(Additional reporting by A in Oslo)": after the label only
# names (capitalised words) and connectors, so "Reporting by local journalists showed" is prose.
_CREDIT_LABEL = re.compile(
    r"\(?(?:additional )?(?:reporting|writing|editing|compiled|produced) by\b"
    r"|\(?with (?:files|reporting|reports|additional reporting) (?:from|by)\b", re.IGNORECASE)
_CREDIT_CONNECTORS = frozenset(
    re.findall(r"\w+", "by and in from with additional reporting writing editing compiled produced "
                        "files reports writer writers de van von der al bin da")
)
_CONTRIBUTED = re.compile(r"[^.]{1,200}\bcontributed (?:to )?(?:this|the) (?:report|story|article)\.?\)?", re.I)
# "Source:" in the languages of the pages crawled: Quelle, Source, Fuente, Fonte, Bron, Kilde,
# Källa, Źródło, Kaynak, Zdroj, Lähde.
_SOURCE_LINE = re.compile(r"(?:sources?|quellen?|fuentes?|fontes?|bronn?en|bron|kilder?|källa|källor|źródło|kaynak"
                          r"|zdroj|lähde)\s*:\s*[\w ,.&'’/-]{1,40}", re.IGNORECASE)
_CREDIT_LINE_MAX_WORDS = 45
_SOURCE_MAX_WORDS = 6


def is_contributor_credit(line: str) -> bool:
    """Wire-story credits after the text: 'Reporting by ...; Editing by ...', '... contributed to
    this report.', 'SOURCE: News agencies'. The reporting itself never has this shape."""
    line = line.strip()
    if word_count(line) > _CREDIT_LINE_MAX_WORDS:
        return False
    if _CREDIT_LABEL.match(line):
        words = re.findall(r"[^\W\d_][\w'’.-]*", line)
        return all(w.casefold() in _CREDIT_CONNECTORS or w[0].isupper() for w in words)
    if _CONTRIBUTED.fullmatch(line):
        return True
    return word_count(line) <= _SOURCE_MAX_WORDS and _SOURCE_LINE.fullmatch(line) is not None


# "Filed under: Politics |", "Tags: icebreaker, Arctic", "Posted in News"
_TAGS_LINE = re.compile(
    r"(?i:filed under|tags?|tagged(?: with)?|topics?|categor(?:y|ies)|posted in|more about)\s*:\s*.{1,120}"
    r"|(?i:posted in|filed under)\s+[A-Z][\w&'’-]*(?:[ ,|]+[A-Z][\w&'’-]*){0,3}\s*\|?"
)
# "Updated at 1:23 p.m.", "Last updated: 14 November 2023", "Published 10:02 GMT"
_STAMP_LABEL = re.compile(r"(?:last )?(?:updated|published|posted|first published|modified)(?: at| on)?\s*:?\s*",
                          re.IGNORECASE)
_STAMP_WORDS = frozenset(re.findall(
    r"\w+",
    "jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june july august september "
    "october november december mon tue wed thu fri sat sun monday tuesday wednesday thursday friday saturday sunday "
    "am pm a p m at on utc gmt ago hours hour minutes min mins h",
))
_META_LINE_MAX_WORDS = 15


def _is_time_stamp(line: str) -> bool:
    label = _STAMP_LABEL.match(line)
    if label is None:
        return False
    rest = line[label.end():]
    tokens = re.findall(r"[^\W\d_]+|\d+", rest)
    return any(t.isdigit() for t in tokens) and all(
        t.isdigit() or t.casefold() in _STAMP_WORDS or (t.isupper() and len(t) <= 4) for t in tokens
    )


# A date or a time of day, in the notations news pages use: 22.04.2024, 2024-04-22, 4/22/2024,
# 13. Mai 2026, October 13, 2024, 2025年1月14日, 06:00, 15.59, 17h30.
_NUMERIC_DATE = re.compile(
    r"\b\d{1,4}[./-]\d{1,2}[./-]\d{2,4}\b|\d{4}年\d{1,2}月\d{1,2}日"
    r"|\b\d{1,2}\.?\s+\w{3,10}\.?,?\s+(?:19|20)\d\d\b|\b\w{3,10}\.?\s+\d{1,2},?\s+(?:19|20)\d\d\b")
_TIME_OF_DAY = re.compile(r"\b\d{1,2}[:.h]\d{2}\b|\d{1,2}時\d{1,2}分")
_STAMP_MAX_UNITS = 12
_HANDLE_IN_PARENS = re.compile(r"\(@\w+\)")
_STAMP_MAX_WORDS_WITH_DATE = 4  # "Veröffentlicht am 13. Mai 2026 um 15:44": label, preposition, month
_STAMP_MAX_WORDS_WITH_TIME = 2  # "Uppdaterad 15.59 | Publicerad 14.14"; "Doors open at 19:30" is not a stamp


def _is_date_range(line: str) -> bool:
    """Two dates with nothing but punctuation between: an event's dates ('29 November 2018 |
    20 January 2019'), not 'Published 20 April • Updated 21 April'."""
    dates = list(_NUMERIC_DATE.finditer(line))
    return len(dates) > 1 and not re.search(r"[^\W\d_]", line[dates[0].end(): dates[1].start()])


def _is_date_stamp(line: str) -> bool:
    """A date or time line in any language: little but the date, a time and a label or two."""
    if text_units(line) > _STAMP_MAX_UNITS or re.search(r"[^\W\d_][.!?]$", line):
        return False  # longer, or a sentence: "Am 30.01.2024 beginnt der Prozess."
    if _HANDLE_IN_PARENS.search(line) or "~" in line or _is_date_range(line):
        return False  # an embedded post's signature "— Name (@name) May 1, 2024", or dates of an event
    words = [token for token in re.findall(r"[^\W\d_]+", line) if not _UNSPACED.search(token)]
    if _NUMERIC_DATE.search(line) or re.search(r"\d{4}年|\d{1,2}月\d{1,2}日", line):
        return len(words) <= _STAMP_MAX_WORDS_WITH_DATE
    return _TIME_OF_DAY.search(line) is not None and len(words) <= _STAMP_MAX_WORDS_WITH_TIME


def is_meta_line(line: str) -> bool:
    """Tag lists and time stamps left between paragraphs: 'Filed under: X', 'Updated at 1:23 p.m.',
    '05.08.2024, 20:59 Uhr', '2025年1月14日 01時28分'."""
    line = line.strip()
    if word_count(line) > _META_LINE_MAX_WORDS:
        return False
    return _TAGS_LINE.fullmatch(line) is not None or _is_time_stamp(line) or _is_date_stamp(line)


_COMMENT_PROMPT = re.compile(
    r"(?:\d+\s+)?(?:comments?|replies|responses)|(?:leave|post|add|write) a (?:comment|reply)(?: below)?"
    r"|tell us what you think(?: below)?|join the (?:discussion|conversation)(?: below)?|(?:show|view) comments",
    re.IGNORECASE,
)


def is_comment_prompt(line: str) -> bool:
    """'12 comments', 'Leave a comment', 'Tell us what YOU think...': the comment box, not the article."""
    return _COMMENT_PROMPT.fullmatch(line.strip().rstrip(".…!")) is not None



_MIN_TITLE_WORDS = 4
_MAX_KICKER_WORDS = 8  # "Olympic Games: <headline>", "49-Euro-Ticket : <headline>"
_NON_ALNUM = re.compile(r"[\W_]+")


def _squashed(text: str) -> str:
    """Casefolded letters and digits only: kicker and headline run together in one element
    ("MigrationChiesa ruft…") still contain the headline."""
    return _NON_ALNUM.sub("", unicodedata.normalize("NFKC", text).casefold())


def is_title_repeat(line: str, title: str | None, with_kicker: bool = True) -> bool:
    """The headline again at the top of the body: the title, or part of it (the title
    without its site suffix or prefix: 'Story headline' when the <title> is 'Story headline |
    Site'), or (with_kicker) the headline with a short kicker or section label run in front of
    or after it."""
    if not title:
        return False
    norm = normalise_line(line)
    title_norm = normalise_line(title)
    if len(norm.split()) < _MIN_TITLE_WORDS:
        return bool(norm) and norm == title_norm
    if f" {norm} " in f" {title_norm} ":
        return True
    title_words = len(title_norm.split())
    return (with_kicker and title_words >= _MIN_TITLE_WORDS and len(norm.split()) <= title_words + _MAX_KICKER_WORDS
            and _squashed(title) in _squashed(line))


# "By", "Von", "Por", "Par", "Av", "Di", "Door", "Od", "Text:", "Written by"… before a byline.
_BYLINE_LABEL = re.compile(
    r"^(?:by|von|autor(?:in)?|author|por|par|di|door|av|af|od|text|texto|written by|reporting by)\b[:\s]*",
    re.IGNORECASE)
_BYLINE_MAX_WORDS = 12
_BYLINE_EXTRA_WORDS = 2  # ", Frankfurt", "and agencies", a role word
_SENTENCE_END_ANYWHERE = re.compile(r"[.!?…][\"'”’»)]*$")


def _without_names(line: str, authors: Iterable[str]) -> str | None:
    """The line's words left after removing the label and every author name; None when no
    author name is in it."""
    rest = " " + normalise_line(_BYLINE_LABEL.sub("", line.strip())) + " "
    found = False
    for name in authors:
        name_norm = normalise_line(name)
        if name_norm and f" {name_norm} " in rest:
            rest = rest.replace(f" {name_norm} ", " ")
            found = True
    return rest.strip() if found else None


def is_byline(line: str, authors: Iterable[str]) -> bool:
    """The page's byline left in the text: the author names the page declares (its
    structured data), with a label ('Von', 'By') and at most a place or role word or two —
    'Von Anna Sleegers, Frankfurt', 'Mohloai Mpesi', 'By Jane Doe and John Roe'."""
    line = line.strip()
    if not line or word_count(line) > _BYLINE_MAX_WORDS or _SENTENCE_END_ANYWHERE.search(line):
        return False
    rest = _without_names(line, authors)
    if rest is None:
        return False
    words = [word for word in rest.split() if word not in {"and", "und", "y", "et", "og", "och", "e", "i"}]
    return len(words) <= _BYLINE_EXTRA_WORDS


_BIO_MAX_WORDS = 80
_BIO_VERB = re.compile(r"^\W*\w+(?:\s+\w+){0,3}\s+(?:is|was|ist|war|est|es|är|er|è|jest|je|covers|writes|reports)\b",
                       re.IGNORECASE)


def is_author_bio(paragraph: str, authors: Iterable[str]) -> bool:
    """A note about the author after the text: a short paragraph that opens with an author's
    name and 'is'/'ist'/'covers'… ('Manuela Conrad ist ZDF-Reporterin für…'). Reporters do
    not write about themselves in the third person inside their own story."""
    paragraph = paragraph.strip()
    if word_count(paragraph) > _BIO_MAX_WORDS:
        return False
    norm = normalise_line(paragraph)
    return any(norm.startswith(normalise_line(name) + " ") and normalise_line(name).count(" ") >= 1
               for name in authors) and _BIO_VERB.match(paragraph) is not None


LINE_RULES: tuple[tuple[str, Callable[[str], bool]], ...] = (
    ("teaser_link", is_teaser_link),
    ("loading_placeholder", is_loading_placeholder),
    ("ad_label", is_ad_label),
    ("call_to_action", is_call_to_action),
    ("share_bar", is_share_bar),
    ("cookie_notice", is_cookie_notice),
    ("photo_credit", is_photo_credit),
    ("contact_line", is_contact_line),
    ("legal_notice", is_legal_notice),
    ("contributor_credit", is_contributor_credit),
    ("meta_line", is_meta_line),
    ("comment_prompt", is_comment_prompt),
    ("error_report_prompt", is_error_report_prompt),
)


# The longest line each rule can call junk (its own limit); a longer line skips the rule.
_RULE_MAX_WORDS = {
    "teaser_link": _TEASER_MAX_WORDS, "share_bar": _SHARE_BAR_MAX_WORDS, "photo_credit": _CREDIT_MAX_WORDS,
    "call_to_action": _CALL_TO_ACTION_MAX_WORDS, "contact_line": _CONTACT_MAX_WORDS, "legal_notice": _LEGAL_MAX_WORDS,
    "contributor_credit": _CREDIT_LINE_MAX_WORDS, "meta_line": _META_LINE_MAX_WORDS,
    "error_report_prompt": _ERROR_REPORT_MAX_WORDS,
}


def junk_rule_for(line: str) -> str | None:
    """Name of the first built-in rule that calls this line junk, else None."""
    words = word_count(line)
    return next((name for name, rule in LINE_RULES if words <= _RULE_MAX_WORDS.get(name, words) and rule(line)),
                None)


_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)]*$")
_MAX_UNLINKED_CHARS = 48  # about six words: a date or a "READ MORE:" label, not a sentence


def is_link_list_entry(text: str, linked_chars: int) -> bool:
    """A block that is mostly link: a related-article or index entry, not prose.

    linked_chars is how many of the block's characters sit inside links. Headlines
    carry no full stop, so a sentence ending in one ("Putin and Xi met.") is prose
    even when its names are linked, unless it is practically all link.
    """
    text = text.strip()
    unlinked = len(text) - linked_chars
    if not text or linked_chars * 2 < len(text) or unlinked > _MAX_UNLINKED_CHARS:
        return False
    return _SENTENCE_END.search(text) is None or linked_chars >= 0.9 * len(text)
