"""Spot messages that sound like someone is in danger or being abused, in every bot language.

`is_distress(text)` is deliberately simple and explainable: it looks for *signals* (a passport
taken, wages not paid or cut, being locked in, forced to work, threats or violence, being sold,
"help me", a child taken to work or married off, being turned away from a shelter, a debt that
can never be paid back or keeps growing with interest, a relative nobody can reach, bombs or a
flood where the writer is, wanting to die, no food or water, being made to work while sick,
being afraid to see a doctor because of papers or the police, being stranded with no money and
no papers, a broker threatening with the police, someone coming into the writer's room...)
made of small word *concepts*, in English, Russian, Indonesian, Tagalog, Bengali, Nepali,
Thai and Vietnamese, plus Bengali, Nepali and Russian typed in Latin letters. Words are
matched by prefix (so inflections match) and, for longer words, fuzzily (so typos match).

Vietnamese words are syllables, short and ambiguous once their accents are folded away ("ho",
"con", "em"), so most Vietnamese entries are phrases of two or more words ("hộ_chiếu" is
"hộ chiếu"), matched exactly, also in common chat spellings ("ko" for "không", "dc" for
"được"). Thai is written without spaces, so a run of Thai letters is first cut into the words
of this module's Thai vocabulary, longest word first; letters no word covers count as about
one word per four letters, so distances between words still roughly hold.

Asking *about* a topic is not distress, being *in* it is. So most signals also need a
first-person word ("my", "we", "меня", "saya", "ako", "আমার", "मेरो", "ฉัน", "tôi") outside
phrases such as "tell me", and are ignored when a modal comes just before them ("can my boss
keep my passport?", "could I be deported?", "что делать если работодатель забирает
паспорт?"), or, in Thai, Vietnamese, Bengali and Nepali, a question word or conditional right
after them in the same clause ("นายจ้างยึดพาสปอร์ตได้ไหม", "giữ hộ chiếu được không?",
"মালিক পাসপোর্ট রেখে দিলে কি করতে হয়?").

Chat in Russian, Indonesian, Thai, Vietnamese, Bengali and Nepali often drops the "I"
("работодатель забрал паспорт и не отдает", "chủ không trả lương 3 tháng rồi",
"โดนหัวหน้าตบหน้า"). So these also put the writer in the situation: a relative ("my brother",
"муж", "adik"); being the one something is done to (Thai "โดน"/"ถูก", Vietnamese "bị",
Indonesian passives of harm such as "dipukul", "disuruh"); an employer or broker acting, named
in a language other than English ("работодатель", "majikan", "মালিক", "นายจ้าง", "chủ"); "here"
("ติดอยู่ที่นี่"); and "nobody comes to help". A few signals need no "I" at all because they are
only ever said of oneself ("อยากตาย", "chỉ muốn chết", "i want to die"); others are dropped
when the message laughs ("no food left lol", "hindi ko na kaya mag overtime haha") or the words are
an idiom ("nóng muốn chết": so hot I could die; "im dying to see my family").
A false alarm costs the user one extra line of urgent-help text; a missed alarm can cost much
more, so ties go to flagging.

This module also owns the text folding (`fold`, `words`) that the matcher uses, so both read a
message the same way; the Thai word cutting is used only here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from bot.content.models import GENERAL_DISTRESS

# ---------------------------------------------------------------------------------------------
# Text folding, shared with bot/matching.py
# ---------------------------------------------------------------------------------------------

# Python's \w does not include combining marks, so it cuts Bengali and Devanagari words into
# pieces (their vowel signs are marks). A word here is letters and digits plus the marks of the
# Indic blocks (danda punctuation excluded), Thai, and the generic combining blocks.
_MARKS = (
    "\u0300-\u036f\u0483-\u0489\u0900-\u0963\u0966-\u0dff\u0e31-\u0e3a\u0e47-\u0e4e\u1dc0-\u1dff"
)
WORD = re.compile(rf"(?:[^\W_]|[{_MARKS}])+")

# Accents on Latin letters are dropped (so "migración" finds "migracion" and Vietnamese typed
# with or without tone marks reads alike); marks after any other letter are kept, because in
# Cyrillic, Bengali and Devanagari they are part of the letter or the word.
_LATIN_ACCENTS = re.compile(r"(?<=[a-z])[\u0300-\u036f]+")
_APOSTROPHES = re.compile(r"(?<=\w)['’ʼ`´](?=\w)")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_FOLD_EXTRA = str.maketrans({"ё": "е", "ß": "ss", "ı": "i", "ł": "l", "đ": "d", "ø": "o"})


def fold(text: str) -> str:
    """Lower-case `text`, drop accents on Latin letters and apostrophes inside words."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_INVISIBLE)
    text = _APOSTROPHES.sub("", text)  # "don't" -> "dont", "migrants'" stays a word
    if not text.isascii():
        text = _LATIN_ACCENTS.sub("", unicodedata.normalize("NFD", text))
        text = unicodedata.normalize("NFC", text).translate(_FOLD_EXTRA)
    return text


def split_words(text: str) -> list[str]:
    """A word list written as one string (one word or more per line), for readable tables."""
    return text.split()


def words(text: str) -> list[str]:
    """The folded words of `text`, in order; punctuation and emoji are separators."""
    return WORD.findall(fold(text))


# ---------------------------------------------------------------------------------------------
# Concepts: small word lists, one block per language (en, ru, id, tl, bn, ne, then Bengali,
# Nepali and Russian typed in Latin letters, then th and vi). "word*" matches any word starting
# with "word"; "word_word" is a phrase: those words in a row, exactly (used for Vietnamese).
# Thai entries are whole words (no "*"): they are also the vocabulary Thai text is cut into.
# ---------------------------------------------------------------------------------------------

# Who something is done to, in every language (the "person" and "object" concepts below).
_PERSON = """
    me us him her
    меня мне нас нам
    saya aku kami
    ako akin amin kami
    আমাকে আমাদের আমাকেও
    मलाई हामीलाई
    amake amader malai hamilai menya nas
    """

_CONCEPTS: dict[str, str] = {
    # Identity papers.
    "document": """
        passport* pasport* pasaport* id ids idcard identity papers documents document permit
        permits visa iqama
        паспорт* документ* удостоверени*
        paspor* dokumen* ktp kitas
        pasaporte* dokumento* papeles
        পাসপোর্ট* পাসপোট* কাগজ* ডকুমেন্ট* ভিসা*
        पासपोर्ट* राहदानी* कागजात* परिचयपत्र* भिसा*
        หนังสือเดินทาง พาสปอร์ต พาสปอต พาสปอร์ท เอกสาร บัตรประชาชน บัตรประจำตัว บัตรชมพู บัตรสีชมพู
        วีซ่า ใบอนุญาตทำงาน เวิร์คเพอร์มิต
        hộ_chiếu hochieu giấy_tờ giấy_phép thẻ_cư_trú thẻ_tạm_trú căn_cước cmnd cccd thị_thực
        """,
    # Taking or keeping something from someone.
    "take": """
        take takes taken taking took tok keep keeps keeping kept hold holds holding held
        confiscat* seiz* stole stolen steal* withh* retain* locked
        забрал* забира* отобрал* отбира* держ* удерж* спрятал*
        ambil* diambil* mengambil* tahan* ditahan* menahan* sita* disita* disimpan*
        kinuha* kinukuha* kunin hawak* hinawakan* tinago* itinago* kinumpiska*
        নিয়ে* নিয়েছে* রেখে* রেখেছে* আটক* কেড়ে* জব্দ*
        लियो लिए लिएको राख्यो राखेको राखेर खोस* कब्जा*
        niye niyeche rekhe rekheche kere
        liyo rakhyo khosyo
        zabral* otobral* derzh*
        ยึด ยึดไว้ เก็บ เก็บไว้ ริบ เอาไป ไม่คืน ไม่ยอมคืน กักไว้ ขโมย
        giữ lấy giữ_lại thu_giữ tịch_thu cầm_giữ lấy_mất không_trả_lại
        """,
    "pay": """
        pay* paid salary salaries wage wages
        зарплат* заплат* выплат* оплат* платят платит
        gaji* upah* bayar* dibayar* membayar*
        sahod* suweldo* sweldo* bayad* binabayaran* pinapasahod* pasahod*
        বেতন* মজুরি* পারিশ্রমিক*
        तलब* पारिश्रमिक* ज्याला* तनखा*
        beton mojuri
        talab jyala
        zarplat* platyat* zaplatil*
        เงินเดือน ค่าจ้าง ค่าแรง ค่าตอบแทน จ่าย ได้เงิน
        lương tiền_lương tiền_công trả_tiền trả_công thanh_toán
        """,
    # Costs: "without paying big fees" is about prices, not about wages kept back.
    "cost": """
        fee fees tax taxes charge charges cost costs commission commissions price prices
        комиссия комиссии комиссию налог налоги пошлина
        biaya ongkos komisi pajak
        singil bayarin
        ফি খরচ শুল্ক
        शुल्क खर्च कर
        ค่าธรรมเนียม ภาษี ค่าใช้จ่าย ค่าโอน ค่านายหน้า ค่าบริการ ค่าหัวคิว
        phí lệ_phí chi_phí phí_chuyển hoa_hồng
        """,
    "not": """
        no not never dont didnt doesnt wont cant cannot couldnt havent hasnt hadnt isnt arent
        wasnt werent without unpaid stopped refuse refused refuses deny denied half withheld
        nothing
        не нет без ни половин* никогда
        tidak tak belum gak nggak enggak ga tanpa setengah separuh
        hindi wala walang ayaw kalahati
        না নাই নেই পাইনি দেয়না দেয়নি অর্ধেক ছাড়া
        छैन दिएन दिँदैन दिदैन दिंदैन पाइन नदिने नदिई आधा बिना
        na nai nei paini
        chhaina diena dinna aadha
        ne net
        ไม่ ไม่ได้ ไม่ได้รับ ยังไม่ ไม่มี ไม่เคย ไม่ให้ ไม่ยอม ไม่ยอมให้ ไม่สามารถ ห้าม ค้าง ค้างจ่าย ครึ่ง เบี้ยว โกง
        không_trả không_được không_nhận không_có không_cho không_thả không_lương
        chưa_trả chưa_nhận chưa_được chưa_có quỵt một_nửa nửa_lương nợ_lương
        """,
    # Being held in a place. "guard" alone is enough: nobody is guarded for their comfort.
    "confine": """
        trapped prisoner prisoners confined captive caged imprisoned chained guard guards
        guarded detained
        заперт* заперли плен* охран*
        dikurung* terkurung* disekap* sekap* dijaga*
        ikinulong* nakakulong* binabantayan* bantay* nakakandado* kinandado*
        আটকে* আটকা* বন্দি* বন্দী* পাহারা*
        थुन* कैद* पहरा*
        atke atka bondi pahara
        thuniyeko kaid
        zaperli
        ขัง กักขัง คุมขัง ถูกกัก กักบริเวณ
        nhốt bị_giam giam_giữ giam_lỏng canh_gác bị_canh
        """,
    "lock": """
        lock locks locked
        запер* закрыл*
        dikunci* kunci*
        ikinandado* kandado*
        তালা*
        ताल्चा* बन्द*
        ล็อก ล็อค ล๊อค ใส่กุญแจ
        bị_khóa khóa_cửa khóa_trái khóa_lại khóa_tôi khóa_em khóa_mình
        """,
    # Where someone is locked: "locked in", "locked us in the room".
    "inside": """
        in inside outside up room rooms house dorm dormitory camp site factory quarters us me
        rumah kamar
        ใน ข้างใน ห้อง บ้าน โรงงาน ที่พัก หอพัก
        trong phòng nhà nhà_máy
        """,
    "let": """
        let lets allow allowed allowing permit permitted release releasing
        отпускают отпускает отпускали отпустят отпустит выпуска* пускают разрешают
        boleh diizinkan izin dibolehkan
        pinapayag* payag* pinapalabas* pinayag*
        দেয় দেয়না দিচ্ছে দেবে
        दिँदैन दिदैन दिंदैन दिने
        ไม่ให้ ไม่ยอมให้ ห้าม อนุญาต ยอมให้
        không_cho không_được cho_phép được_phép
        """,
    "leave": """
        leave leaving go out off outside home exit quit
        уйти уехать выйти отпускают отпускает отпускали выпуска* домой
        keluar pulang pergi
        lumabas umalis umuwi labas uwi pinapalabas*
        বের বাইরে যেতে বাড়ি দেশে ছুটি
        बाहिर जान घर फर्कन छुट्टी
        ber baire jete bari
        bahira jana ghar
        ออก ออกไป ออกจาก ออกนอก กลับ กลับบ้าน กลับประเทศ ลาออก ข้างนอก ไปไหน
        về_nhà về_nước về_quê ra_ngoài ra_khỏi đi_ra nghỉ_việc bỏ_việc đi_đâu
        """,
    # Let go / release, where one word carries both ("не отпускают", "hindi pinapauwi").
    "letgo": """
        release releases
        отпускают отпускает отпускали отпустят отпустит выпуска*
        dilepas melepas
        pinapauwi* pinapalabas*
        ছাড়ে ছাড়ছে ছাড়ছেনা
        छोड्दैन छाड्दैन
        ปล่อย
        thả
        """,
    # "i took a loan to pay the agent" is borrowing, not wages kept back.
    "borrow": """
        loan loans borrow borrowed кредит займ pinjam pinjaman loan_ko ঋণ_নিয়ে लोन กู้ vay
        """,
    "cannot": """
        cant cannot couldnt unable
        ไม่ได้ ไม่สามารถ
        không_thể
        """,
    # Debt to an agent or employer that can never be paid off (debt bondage).
    "debt": """
        owe owes owed owing debt debts
        долг долга долги должен должна задолжал*
        hutang utang berhutang
        utang inutang may_utang
        ঋণ দেনা
        rin karja
        ऋण कर्जा ऋणी
        หนี้ เป็นหนี้ ติดหนี้
        mắc_nợ nợ_môi_giới nợ_công_ty nợ_chủ khoản_nợ tiền_nợ số_nợ còn_nợ đang_nợ nợ_nần vay_nợ
        """,
    "repay": """
        repay repaid pay paid payback
        вернуть отдать выплатить
        bayar melunasi lunas*
        bayaran bayaran_ko mabayaran
        শোধ
        तिर्न चुक्ता
        ใช้หนี้ คืน
        trả trả_nợ
        """,
    # A relative nobody can reach any more ("we cannot reach her", "my son is missing").
    # Also the silence itself: no news, the phone switched off, no contact.
    "missing": """
        missing disappeared vanished no_news no_call no_calls phone_is_off phone_off
        phone_switched_off lost_contact no_contact nobody_has_heard_from no_one_has_heard_from
        havent_heard_from not_heard_from
        пропал пропала пропали исчез* потерялся не_выходит_на_связь нет_связи
        телефон_выключен потеряли_связь
        hilang menghilang hilang_kontak putus_kontak tidak_bisa_dihubungi ga_bisa_dihubungi
        hp_mati tidak_ada_kabar ga_ada_kabar gak_ada_kabar tanpa_kabar
        nawawala nawala walang_balita hindi_makontak di_makontak
        নিখোঁজ হারিয়ে খবর_নাই খবর_নেই খোঁজ_নেই খোঁজ_নাই ফোন_বন্ধ যোগাযোগ_নেই যোগাযোগ_নাই
        khobor_nai phone_bondho
        हराए हराएको बेपत्ता सम्पर्क_छैन खबर_छैन फोन_बन्द सम्पर्कविहीन
        sampark_chaina samparka_chaina khabar_chaina
        หายตัว หายไป ติดต่อไม่ได้ ขาดการติดต่อ ไม่มีข่าว ปิดเครื่อง
        mất_tích mất_liên_lạc không_liên_lạc_được ko_liên_lạc_được tắt_máy không_có_tin
        """,
    "relative": """
        sister brother wife husband mother mom mum father dad cousin aunt uncle family
        сестра брат жена муж мама мать отец папа
        kakak adik istri suami ibu ayah bapak keluarga
        kapatid ate kuya asawa nanay tatay pamilya
        বোন ভাই স্ত্রী স্বামী মা বাবা
        दिदी बहिनी दाइ भाइ श्रीमती श्रीमान आमा बुबा बा
        พี่สาว น้องสาว พี่ชาย น้องชาย แม่ พ่อ
        chị_gái em_gái anh_trai em_trai vợ_tôi chồng_tôi mẹ_tôi bố_tôi
        """,
    # "no news from you for so long" (ভাই, অনেক দিন খবর নাই আপনার) is a greeting, "missing the
    # game" is no disappearance.
    "missing_what": """
        the a an you your тебя вас тебе вам kamu anda ikaw mo iyo আপনার তোমার তোর আপনাকে तपाईं तिम्रो
        तपाईंको apnar tomar tapai
        """,
    "reach": """
        reach contact
        связаться дозвониться
        hubungi menghubungi dihubungi
        makontak kontakin matawagan
        যোগাযোগ
        सम्पर्क
        ติดต่อ
        liên_lạc
        """,
    # Caught where there is fighting ("i am stuck here, there is fighting in the city").
    "trapped": """
        stuck trapped stranded roof rooftop nobody_is_coming no_one_is_coming nobody_came
        застрял* застряла
        terjebak terperangkap
        naipit stranded
        আটকে
        फसेको फसेका अड्किएको
        ติดอยู่
        mắc_kẹt kẹt_lại
        """,
    "conflict": """
        fighting war bombing bombs shelling shooting airstrikes conflict
        война войны бои обстрел* стрельб*
        perang pertempuran
        giyera gyera labanan barilan bakbakan
        যুদ্ধ
        युद्ध द्वन्द्व
        สงคราม การสู้รบ ยิงกัน
        chiến_tranh giao_tranh đánh_nhau
        """,
    "leave_strict": """
        leave exit quit escape
        หนี ลาออก ออกไป ออกจาก
        trốn thoát nghỉ_việc bỏ_việc ra_khỏi
        """,
    "force": """
        forc* compel* slave slaves slavery enslav* bonded
        застав* принужд* принуж* рабств* раб рабы
        paksa* dipaksa* memaksa* terpaksa* budak*
        pinipilit* pilit* sapilitan* alipin*
        জোর* বাধ্য* দাস*
        जबरजस्ती* बाध्य* दास*
        jor badhyo das
        jabarjasti badhya
        zastavl* prinuzhd*
        บังคับ ถูกบังคับ ทาส แรงงานทาส แรงงานบังคับ ขัดหนี้
        bị_ép ép_buộc ép_tôi ép_em cưỡng_bức cưỡng_ép bắt_ép bắt_làm bắt_tôi_làm bắt_em_làm
        bắt_chúng_tôi_làm nô_lệ
        """,
    "make": """
        made make makes making
        """,
    "work": """
        work works working worked job labor labour farm factory field fields hours shifts
        работ* труд*
        kerja* bekerja* pekerjaan*
        trabaho* magtrabaho* nagtatrabaho* pinagtatrabaho* pinapatrabaho*
        কাজ* খাটা*
        काम* श्रम*
        kaj kaaj kam kaam
        rabot*
        ทำงาน งาน โรงงาน แรงงาน
        làm_việc công_việc đi_làm làm_thuê nhà_máy lao_động
        """,
    # Violence or threats, serious on their own.
    "violence": """
        threat* beat beats beaten beating rape* raping molest* abus* harass* assault*
        violen* grope* groping torture* starve starved starves punish*
        угрож* угроз* бьют избил* изби* насил* домога* пристает* пристаёт* убьют
        ancam* diancam* dipukul* memukul* perkosa* diperkosa* lecehkan* dilecehkan*
        pelecehan* disiksa* siksa* ditampar*
        banta* binantaan* pinagbabantaan* bugbog* binubugbog* sinasaktan* sinaktan*
        ginahasa* hinipuan* hinihipuan* minamaltrato* sinampal*
        হুমকি* মারধর* মারছে মেরেছে মারবে ধর্ষণ* যৌন* নির্যাতন* হয়রানি*
        धम्की* कुट्छ* कुट्यो* पिट्छ* पिट्यो* बलात्कार* यौन* यातना* दुर्व्यवहार*
        humki mardhor marche dhorshon nirjaton
        dhamki kutchha kutyo pitcha balatkar
        ugrozh* byut izbil* nasil*
        ทำร้าย ทุบตี ข่มขู่ ขู่ ข่มขืน ล่วงละเมิด ลวนลาม คุกคาม ทรมาน ทารุณ ถูกตี โดนตี
        bị_đánh đánh_đập đánh_tôi đánh_em đánh_mình đánh_con hành_hạ ngược_đãi đe_dọa dọa
        dọa_giết bạo_hành hiếp_dâm xâm_hại quấy_rối sờ_mó bị_tát bỏ_đói
        """,
    # Violence that needs its victim named right after it: "hits me", "touched my daughter".
    "violence_object": """
        hit hits hitting hurt hurts hurting kick kicks kicked slap slaps slapped punch
        punched touch touches touched touching kill attack attacked grab grabbed
        трогает трогал бьет бьёт ударил
        sentuh menyentuh pukul tampar bunuh
        hipo sampal patay saktan
        ছোঁয় ছুঁয়ে মারে
        छुन्छ छोयो मार्छ मार्न
        mare marna marchan
        pegang*
        ตี ตบ เตะ ต่อย ชก ฆ่า แตะต้อง ลูบคลำ
        giết
        """,
    "toward": """
        to
        """,
    # Someone something is done to, or whose things it is done to ("took my passport").
    "object": "my our " + _PERSON,
    # Thai and Vietnamese say "I" and "me" with one word ("ฉัน", "tôi"): it is the object only
    # after the verb ("ตีฉัน", "đánh tôi"), so signals with it keep that order.
    "object_after": """
        ฉัน ผม หนู เรา ดิฉัน พวกเรา
        tôi tui em mình
        """,
    # The person something was done to (not "my", which also owns things: "sold my land").
    "person": _PERSON,
    "sold": """
        sold trafficked smuggled
        продали продал продан* торгуют
        dijual diperdagangkan
        ibinenta binenta ipinagbili nabenta
        বিক্রি পাচার
        बेचे बेचियो बेचिएको बेचबिखन
        bikri pachar bechyo
        prodali
        ถูกขาย โดนขาย ถูกหลอกขาย ถูกค้ามนุษย์ โดนค้ามนุษย์
        bị_bán_sang bị_bán_cho bị_bán_qua bị_bán_vào bị_bán_rồi bị_buôn_bán bị_mua_bán
        """,
    "be": """
        was were been being be got get gets am are is
        ถูกขาย โดนขาย ถูกหลอกขาย ถูกค้ามนุษย์ โดนค้ามนุษย์
        bị_bán_sang bị_bán_cho bị_bán_qua bị_bán_vào bị_bán_rồi bị_buôn_bán bị_mua_bán
        """,
    "run": """
        run ran running
        """,
    "away": """
        away
        """,
    "flee": """
        runaway
        сбежать убежать сбежал* убежал* бежать
        kabur melarikan
        tumakas takas tatakas
        পালাতে পালিয়ে পালাব* পালানো*
        भाग्न भागें भाग्छु भाग्ने
        palate paliye palabo
        bhagna bhagchhu
        sbezhat* ubezhat*
        หนี หลบหนี
        bỏ_trốn trốn_thoát trốn_đi trốn_về trốn_khỏi chạy_trốn muốn_trốn
        """,
    "help": """
        help helpp halp save rescue
        tolong tulong tulungan
        ช่วย ช่วยเหลือ
        giúp cứu
        """,
    "help_alone": """
        sos помогите помоги спасите спаси
        saklolo sagipin iligtas selamatkan
        বাঁচাও বাচাও বাঁচান উদ্ধার
        बचाउनुहोस् बचाऊ बचाउ गुहार
        bachao bachaw bachan bachau guhar
        pomogite spasite
        ช่วยด้วย ช่วยฉันด้วย ช่วยหนูด้วย ช่วยผมด้วย ช่วยเราด้วย ช่วยที
        cứu_với giúp_với
        """,
    "child": """
        son sons daughter daughters child children kid kids boy boys girl girls baby
        nephew niece grandson granddaughter
        сын* доч* ребен* ребён* дет*
        anak putra putri
        bata batang
        ছেলে* মেয়ে* শিশু* বাচ্চা* সন্তান*
        छोरा* छोरी* बच्चा* नानी* बालबालिका*
        chele meye baccha
        chhora chhori bachcha
        ลูก ลูกสาว ลูกชาย เด็ก หลาน
        con_trai con_gái trẻ_em đứa_trẻ con_tôi con_em con_mình cháu_gái cháu_trai bé_gái bé_trai
        """,
    "taken_away": """
        taken took sent send sending sold trafficked smuggled recruited forced
        забрали увезли отправили
        dibawa dikirim diambil
        dinala ipinadala kinuha
        নিয়ে পাঠিয়ে পাঠাল*
        लगे लग्यो पठाए पठायो
        พาไป ถูกพาไป ส่งไป ถูกส่งไป เอาไป ถูกขาย
        bị_đưa đưa_đi đem_đi mang_đi gửi_đi bị_gửi bị_bắt_đi
        """,
    "shelter": """
        shelter* evacuation evacuat* relief camp camps aid
        убежищ* приют* эвакуац*
        pengungsian penampungan posko evakuasi
        evacuation silungan kanlungan
        আশ্রয়* ত্রাণ*
        आश्रय* राहत* शिविर*
        ที่พักพิง ศูนย์พักพิง ศูนย์อพยพ อพยพ ที่หลบภัย ค่ายผู้ลี้ภัย
        nơi_trú_ẩn trú_ẩn sơ_tán khu_sơ_tán cứu_trợ trại_tị_nạn
        """,
    "refuse": """
        turned refused refuse refuses rejected denied kicked chased wont
        отказ* выгнал* прогнал*
        ditolak diusir
        tinanggihan tinaboy itinaboy pinaalis
        ফিরিয়ে* তাড়িয়ে*
        फर्काए* निकाले* इन्कार*
        ปฏิเสธ ไล่ ไล่ออก ไม่รับ ไม่ให้เข้า
        từ_chối bị_đuổi đuổi_đi đuổi_ra đuổi_chúng_tôi đuổi_tôi đuổi_em không_nhận
        """,
    "sea": """
        sea boat ship vessel fishing captain crew
        море морем судн* лодк* корабл* капитан*
        laut kapal perahu kapten
        dagat barko bangka kapitan
        সমুদ্র* নৌকা* জাহাজ*
        समुद्र* डुङ्गा* जहाज*
        ทะเล เรือ เรือประมง ประมง กัปตัน ไต้ก๋ง
        biển trên_biển tàu tàu_cá thuyền thuyền_trưởng đánh_cá
        """,
    # Being sent away as a threat ("says ill be deported if i complain"). Police and arrest
    # are left out: "will police arrest me if i report trafficking?" is a question.
    "deport": """
        deport*
        депорт* выслать вышлют
        deportasi dideportasi
        ipapadeport ide-deport
        เนรเทศ ส่งกลับ ส่งตัวกลับ ส่งกลับประเทศ
        trục_xuất
        """,
    "complain": """
        complain* complaint* report* speak talk quit
        пожалу* жалоб*
        lapor* mengadu mengeluh
        magreklamo* reklamo* isumbong* sumbong*
        ร้องเรียน แจ้งความ แจ้งตำรวจ ฟ้อง ลาออก
        khiếu_nại tố_cáo phàn_nàn báo_công_an báo_cảnh_sát nghỉ_việc
        """,
    # --- Despair: wanting to die, not being able to go on -----------------------------------
    # Suicide as a word: also a topic ("what support is there for suicidal workers?"), so it
    # needs a first-person word.
    "suicide": """
        suicide suicidal самоубий* суицид* bunuh_diri magpakamatay nagpapakamatay আত্মহত্যা*
        आत्महत्या* ฆ่าตัวตาย tự_tử tự_sát
        """,
    # Said only of oneself ("end my life", "อยากตาย" = "(I) want to die", "chỉ muốn chết").
    "selfharm": """
        kill_myself killing_myself end_my_life end_it_all end_it_tonight end_everything
        take_my_own_life take_my_life better_off_dead rather_be_dead better_off_without_me
        if_i_was_gone if_i_were_gone if_i_wasnt_here if_i_werent_here reason_to_go_on
        reason_to_live want_it_all_to_end want_it_to_end want_everything_to_end
        покончить_с_собой лучше_умереть лучше_бы_я_умер лучше_бы_я_умерла
        lebih_baik_mati
        tapusin_ang_buhay_ko wakasan_ang_buhay_ko mas_mabuti_pang_mamatay
        মরে_যেতে_চাই মরতে_চাই মরে_যেতে_ইচ্ছে মরতে_ইচ্ছে বাঁচতে_চাই_না
        more_jete_chai morte_chai
        मर्न_मन_लाग्छ मर्न_मन_लागेको मर्न_मन_लाग्यो मर्न_चाहन्छु बाँच्न_मन_छैन
        marna_man_lagcha marna_man_lagyo marna_mann_lagcha
        อยากตาย อยากจะตาย ตายดีกว่า
        muốn_chết thà_chết không_muốn_sống ko_muốn_sống
        """,
    # "want to die": "want" then "die" ("i just want to die", "хочу умереть", "gusto ko nang
    # mamatay", "ingin mati"). Only infinitives: "died" / "умер" are about someone else.
    "want": """
        want wanna wish ready хочу хочется хотела хотел ingin mau pengen pingin gusto gustong
        ayoko ayaw
        """,
    "die": """
        die умереть помереть сдохнуть mati mamatay
        """,
    # "i dont want to live (like this) anymore", "не хочу жить", "ayoko nang mabuhay".
    "live_on": """
        live жить hidup mabuhay
        """,
    # "to live *in* / *here*" is about a place to live, not about life.
    "place_word": """
        in here there with at near здесь тут там в di sini sa dito
        """,
    "live_like_this": """
        live_like_this living_like_this too_tired_to_live no_reason_to_live
        так_жить жить_так
        """,
    # Not being able to go on. Alone these are also said of tiredness, so they count only with
    # another sign of despair or with a first-person word, and not about waiting.
    "endure_no_more": """
        cant_take_it_anymore cant_take_this_anymore cant_take_it_any_more cant_go_on
        cannot_go_on cannot_take_it_anymore cant_bear_it_anymore cant_stand_it_anymore
        больше_не_могу не_могу_больше нет_сил сил_нет не_выдерживаю
        tidak_kuat_lagi gak_kuat_lagi ga_kuat_lagi nggak_kuat_lagi udah_ga_kuat
        tidak_tahan_lagi ga_tahan_lagi gak_tahan_lagi
        hindi_ko_na_kaya di_ko_na_kaya hindi_ko_na_kakayanin suko_na_ako
        আর_পারছি_না আর_পারি_না সহ্য_হচ্ছে_না সহ্য_করতে_পারছি_না
        ar_parchi_na
        अब_सक्दिन सहन_सक्दिन सहन_गर्न_सक्दिन
        ab_sakdina
        ทนไม่ไหว ไม่ไหวแล้ว
        chịu_không_nổi không_chịu_nổi ko_chịu_nổi hết_chịu_nổi không_chịu_được_nữa
        """,
    # Laughter: "pagod na ako, hindi ko na kaya mag overtime lol" is a joke about being tired.
    "laugh": """
        lol lmao rofl haha* hehe* hihi* wkwk* jaja* 555* kkk* xd ахах* хаха*
        """,
    # "pay more or he will call the police": a threat.
    "otherwise": """
        otherwise or_else or_he_will or_she_will or_they_will or_we_will
        иначе а_то
        kalau_tidak kalau_nggak kalau_gak kalau_ga kalo_ga kalo_gak
        kundi kung_hindi
        নাহলে নইলে
        नत्र नभए
        ไม่งั้น ไม่อย่างนั้น
        nếu_không không_thì
        """,
    "wait": """
        wait waiting ждать дождаться tunggu menunggu maghintay hintay অপেক্ষা पर्खन รอ chờ đợi
        """,
    # "nóng muốn chết" (so hot I could die), "mệt muốn chết": a Vietnamese idiom, not despair.
    "vi_idiom_adjective": """
        nóng mệt đói lạnh buồn_ngủ vui sướng cười thèm
        """,
    # --- No food or water --------------------------------------------------------------------
    # Nouns and "eaten"-type forms: "i dont eat pork" is a diet, not hunger.
    "food": """
        food meal meals water eaten nothing_to_eat
        еда еды еду едой поесть пища пищи кормят кормит кормили накормили вода воды воду
        нечего_есть
        makan makanan dikasih_makan air_minum air_bersih
        pagkain pinapakain pinakain pakain* kumain makakain tubig inumin
        খাবার* খেতে খাইনি খাওয়া* পানি খাবার_পানি
        khabar khete pani
        खाना खान खाएको खाएन पानी
        khana khana_paina
        ข้าว อาหาร น้ำดื่ม น้ำกิน ข้าวกิน
        cho_ăn được_ăn đồ_ăn thức_ăn nước_uống có_ăn cơm_ăn gì_ăn nhịn_đói cho_em_ăn cho_tôi_ăn
        cho_mình_ăn cho_tui_ăn cho_bọn_em_ăn cho_chúng_tôi_ăn
        """,
    # "i havent eaten yet" is no emergency.
    "yet": """
        yet ещё еще ยังไม่ ยัง chưa_ăn
        """,
    # --- Sick or pregnant, and afraid to get care -------------------------------------------
    "medical": """
        doctor doctors hospital hospitals clinic clinics see_a_doctor
        врач* больниц* клиник* поликлиник* доктор*
        dokter rumah_sakit klinik puskesmas
        doktor ospital klinika
        ডাক্তার* হাসপাতাল* ক্লিনিক*
        daktar haspatal
        डाक्टर* अस्पताल* क्लिनिक*
        aspatal
        หมอ โรงพยาบาล คลินิก
        bác_sĩ bệnh_viện đi_viện phòng_khám nằm_viện
        """,
    "fear": """
        scared afraid fear frightened terrified
        боюсь боится страшно
        takut
        takot natatakot
        ভয়* bhoy
        डर* dar
        กลัว
        sợ_đi sợ_bị sợ_lắm sợ_quá rất_sợ sợ_hãi
        """,
    # Police, prison and immigration, as something someone is threatened with.
    "police": """
        police cops immigration jail prison arrest arrested
        полиц* полиция миграционн* миграционк* фмс уфмс тюрьм*
        polisi imigrasi penjara dipenjara ditangkap
        pulis kulong makulong ikukulong
        পুলিশ* জেল* police_dhorbe
        pulish
        प्रहरी* जेल*
        prahari
        ตำรวจ ตม คุก
        công_an cảnh_sát nhà_tù bị_bắt
        """,
    # Who exploits: employer, agent, broker (in every language).
    "actor": """
        boss employer employers agent agents agency broker brokers recruiter sponsor supervisor
        foreman captain
        работодател* хозяин* хозяйк* начальник* бригадир* посредник* прораб* вербовщик*
        majikan* agen calo mandor sponsor
        amo employer ahente
        মালিক* দালাল*
        malik dalal
        साहु* मालिक* दलाल* एजेन्ट*
        sahu sahuji
        นายจ้าง หัวหน้า นายหน้า เถ้าแก่ เจ้านาย
        chủ công_ty môi_giới
        """,
    "sick": """
        sick fever pregnant injured pain bleeding
        болею болен больна болеет беременн* температур*
        sakit demam hamil
        lagnat may_sakit buntis
        অসুস্থ* জ্বর* গর্ভবতী*
        osustho
        बिरामी* ज्वरो* गर्भवती*
        birami jwaro
        ป่วย ไข้ ไม่สบาย ตั้งครรภ์ ท้อง
        bị_ốm bị_sốt bị_bệnh có_bầu có_thai mang_thai
        """,
    # Having to work anyway ("still", "must", "told to").
    "must": """
        must still have_to has_to keep make makes made force forced told
        заставля* всё_равно все_равно приходится
        tetap harus disuruh dipaksa
        pinipilit kailangan pinagtatrabaho pinapatrabaho
        তবুও বাধ্য
        पनि पर्छ
        ต้อง ก็ต้อง ก็ต้องทำ ต้องทำงาน บังคับ
        vẫn_phải bắt_làm bắt_đi_làm vẫn_bắt
        """,
    # --- Stranded --------------------------------------------------------------------------
    "money": """
        money cash
        денег деньги
        uang duit
        pera
        টাকা taka
        पैसा paisa
        เงิน
        tiền
        """,
    # "send money without fees" is about remittances.
    "transfer": """
        send sending sent transfer remit remittance
        отправить перевести перевод
        kirim transfer
        padala magpadala
        পাঠা* pathate
        पठाउ* pathauna
        ส่ง โอน
        gửi chuyển
        """,
    "homeless": """
        nowhere_to_sleep nowhere_to_stay no_place_to_stay no_place_to_sleep sleeping_on_the_street
        sleeping_in_the_street sleeping_at_the_bus sleeping_at_the_station sleeping_outside
        негде_жить негде_спать негде_ночевать ночую_на_улице
        tidur_di_jalan tidak_ada_tempat_tinggal ga_ada_tempat_tinggal gak_ada_tempat_tinggal
        walang_matutuluyan walang_matulugan natutulog_sa_kalye
        থাকার_জায়গা_নেই থাকার_জায়গা_নাই
        बस्ने_ठाउँ_छैन
        นอนข้างถนน ไม่มีที่นอน ไม่มีที่อยู่
        không_có_chỗ_ở ko_có_chỗ_ở ngủ_ngoài_đường không_có_chỗ_ngủ
        """,
    "abandoned": """
        abandoned abandon left_us_here left_me_here left_me_alone left_us_alone left_us_behind
        бросили бросил
        ditinggal ditelantarkan
        pinabayaan iniwan_kami iniwan_ako
        ফেলে_রেখে ফেলে_চলে_গেছে
        छोडेर_गए छोडेर_भाग्यो
        ถูกทิ้ง ทิ้งไว้
        bỏ_mặc bỏ_rơi bị_bỏ_lại
        """,
    # --- War and disaster ------------------------------------------------------------------
    # Attacks one can hear and be hurt by: "bombs near our building". "war" alone is also news.
    "attack": """
        bomb bombs bombing bombed bombard* shelling missile missiles rocket rockets airstrike*
        air_strike air_strikes explosion explosions gunfire
        бомб* обстрел* ракет* взрыв* стреляют
        bom dibom ledakan rudal roket tembakan
        bomba binomba pagsabog
        বোমা* গোলাগুলি বিস্ফোরণ*
        बम बमबारी विस्फोट*
        ระเบิด จรวด ขีปนาวุธ
        bom tên_lửa pháo_kích tiếng_nổ nổ_súng bắn_phá
        """,
    "disaster": """
        flood floods flooding flooded earthquake landslide tsunami typhoon hurricane cyclone
        under_water
        наводнени* затопил* потоп землетрясени*
        banjir gempa longsor
        baha bagyo lindol
        বন্যা* ভূমিকম্প*
        बाढी पहिरो भूकम्प
        น้ำท่วม แผ่นดินไหว ดินถล่ม
        lũ_lụt ngập_lụt nước_lũ bị_ngập động_đất
        """,
    # --- Debt that keeps growing -------------------------------------------------------------
    "grow": """
        interest grows growing grow bigger increase* increasing doubled more_and_more
        растет растёт растут процент* увеличива*
        bunga* bertambah makin_besar makin_banyak terus_naik
        interes tubo patong lumalaki dumadami
        সুদ* বাড়ছে বাড়তে sud
        ब्याज* बढ्दै बढ्छ byaj badhdai
        ดอกเบี้ย เพิ่มขึ้น
        tiền_lãi lãi_suất càng_tăng tăng_lên ngày_càng_nhiều
        """,
    # --- Wages cut away ----------------------------------------------------------------------
    "cut": """
        cut cuts deduct* docked
        вычита* вычел вычли урезал*
        dipotong* potong*
        kinakaltas* kaltas* binawas*
        কেটে কাটে
        काट्छ काटेर काटियो
        หัก ตัด
        bị_trừ trừ_tiền cắt_tiền
        """,
    "paycut": """
        หักเงิน หักค่าแรง หักเงินเดือน หักค่าจ้าง trừ_lương cắt_lương
        """,
    # --- Harassment at night -----------------------------------------------------------------
    "enter": """
        comes come came enters entered enter sneaks barges
        заходит приходит входит ломится
        masuk datang
        pumapasok pumasok
        ঢোকে আসে
        आउँछ पस्छ
        เข้ามา เข้าห้อง
        vào_phòng
        """,
    "room": """
        room bedroom комнат* kamar kwarto ঘরে রুম* कोठा* ห้อง ห้องนอน phòng_ngủ vào_phòng
        """,
    "night": """
        night nights tonight midnight ночью ночь ночам malam* gabi hatinggabi রাতে রাত* रातमा राति
        กลางคืน ตอนกลางคืน ดึก ban_đêm nửa_đêm đêm_nào
        """,
    # "i come back to my room at night" is the writer, not an intruder.
    "self_return": """
        i we back я мы saya aku kami ako kami
        """,
    # --- Married off -------------------------------------------------------------------------
    "marry_off": """
        marrying_her marry_her married_off marry_her_off marrying_her_off child_marriage
        forced_marriage
        выдать_замуж выдают_замуж
        dinikahkan dijodohkan nikah_paksa
        ipakasal ipapakasal ipinakasal
        বাল্যবিবাহ বিয়ে_দিয়ে_দিচ্ছে জোর_করে_বিয়ে
        बालविवाह जबरजस्ती_बिहे
        บังคับแต่งงาน คลุมถุงชน
        tảo_hôn ép_cưới ép_gả gả_bán
        """,
    # --- Words that put the writer (or their family) in the situation when no "I" is said ----
    # Chat in Russian, Indonesian, Thai, Vietnamese, Bengali and Nepali drops the pronoun
    # ("работодатель забрал паспорт", "chủ không trả lương"). These say whose life it is.
    # A relative: "бригадир избил моего брата", "adik sy hilang kontak".
    "kin": """
        муж жена брат брата брату сестра сестру сын сына дочь дочку мама маму мать отец папа
        suami istri kakak adik
        asawa kapatid anak_ko
        ভাই বোন স্বামী স্ত্রী ছেলে মেয়ে
        दाइ भाइ दिदी बहिनी श्रीमान श्रीमती छोरा छोरी
        พี่สาว น้องสาว พี่ชาย น้องชาย สามี ภรรยา ลูกสาว ลูกชาย
        chồng vợ anh_trai em_trai chị_gái em_gái con_trai con_gái
        """,
    # Being the one things are done to: Thai "โดน"/"ถูก", Vietnamese "bị", Indonesian passives
    # of harm ("dipukul", "diancam", "disuruh kerja").
    "victim": """
        โดน ถูก
        bị
        dipukul* diancam* dikurung* disekap* dipaksa* dijual* ditahan* disiksa* ditampar*
        diperkosa* dilecehkan* dikunci* dimarahi* dimarahin* dilaporin* disuruh* dipotong*
        ditipu* diusir*
        """,
    # An employer or broker as the one acting, in a language that drops "I" (not English:
    # "the training said employers cant lock workers in" is about workers in general).
    "actor_local": """
        работодател* хозяин* хозяйк* начальник* бригадир* посредник* прораб*
        majikan* agen calo mandor
        amo
        মালিক* দালাল* malik dalal
        साहु* मालिक* दलाल* sahu
        นายจ้าง หัวหน้า นายหน้า เถ้าแก่ เจ้านาย
        chủ
        """,
    # "Here", where the writer is: "ติดอยู่ที่นี่", "ở đây". Not English: "here is my question".
    # Nobody comes to help: the writer is the one left without help.
    "nobody_helps": """
        nobody_helps no_one_helps nobody_is_helping nobody_will_help nobody_helps_me
        никто_не_помогает
        tidak_ada_yang_menolong ga_ada_yang_nolong tidak_ada_yang_bantu gak_ada_yang_bantu
        walang_tumutulong walang_tumulong
        কেউ_সাহায্য_করছে_না
        कसैले_सहयोग_गरेन
        ไม่มีใครช่วย ไม่มีใครมาช่วย
        không_ai_giúp không_ai_cứu ko_ai_giúp
        """,
    "here": """
        здесь тут disini di_sini dito rito এখানে यहाँ yaha ที่นี่ ตรงนี้ ở_đây
        """,
}

# Words that put the writer in the situation. Checked after removing phrases like "tell me".
_PERSONAL = frozenset(
    fold(word)
    for word in split_words(
        """
    i im ive ill me my mine myself we us our ours ourselves
    son daughter wife husband sister brother mother mom mum father dad
    я меня мне мной мой моя мое мои моих моего моему моей мою моим мы нас нам нами наш наша
    наше наши нашего нашему нашей нашу нашим
    хочу могу боюсь работаю живу сижу нахожусь прошу лежу
    saya aku kami kita sy gw gue aq
    ako ko akin akoy kami namin amin tayo natin atin
    আমি আমার আমাকে আমায় আমরা আমাদের আমাদেরকে
    म मेरो मेरा मेरी मलाई हामी हाम्रो हाम्रा हामीलाई छु छौं
    ami amar amake amay amra amader
    mero malai hami hamro hamilai
    menya mne moy moya moi nas nam nash
    ฉัน ผม ดิฉัน หนู เรา พวกเรา ของฉัน ของผม ของหนู ของเรา ของดิฉัน ลูกสาว ลูกชาย ภรรยา สามี เมีย
    tôi tui em mình con cháu
    """
    )
)

# "tell me about...", "help me understand...": a person asking for information, not for help.
# Not after a negation: "they dont give us water" is about the writer.
# Run on the words joined by spaces, the Thai ones (cut into words) only on Thai text.
_NOT_PERSONAL = re.compile(
    r"(?<!dont )(?<!didnt )(?<!doesnt )(?<!wont )(?<!not )(?<!never )"
    r"\b(?:tell|show|give|explain|send|teach|remind) (?:me|us)\b"
    r"|\bhelp (?:me|us) (?:to )?(?:understand|find|know|learn|read|get|with|about|choose"
    r"|write|fill|translate|draft|prepare|check|plan|apply)\b"
    r"|\blet me know\b|\bi (?:want|would like|d like|wish) to (?:know|understand|learn|read)\b"
    r"|\bcho (?:toi|em|minh|tui) (?:hoi|biet)\b|\bgiup (?:toi|em|minh|tui) (?:hieu|tim|biet)\b"
    r"|\b(?:toi|em|minh|tui) muon (?:hoi|biet|tim hieu)\b"
)
_TH_ME = "(?:ฉัน|ผม|หนู|เรา|ดิฉัน)"
_NOT_PERSONAL_TH = re.compile(
    rf"(?<!\S)(?:บอก|อธิบาย|แนะนำ|สอน) {_TH_ME}(?!\S)"
    rf"|(?<!\S){_TH_ME} (?:อยากรู้|อยากทราบ|สงสัย)(?!\S)"
)

# A modal just before a signal makes it a question about what could happen, not a report:
# "can my boss keep my passport?", "is it legal for my employer to hold my passport?"
_MODALS = """
    can could may might would allowed legal legally if whether
    можно может могут ли если законно
    bisakah bolehkah apakah boleh bisa kalau kalo jika apabila
    pwede puwede maaari kung bawal
    যদি আইনত
    यदि
    สามารถ ถ้า หาก ถ้าหาก อาจ อาจจะ มีสิทธิ์ มีสิทธิ
    có_thể có_được có_quyền nếu liệu hợp_pháp phạm_pháp
    """
# Thai and Vietnamese ask at the end: "นายจ้างยึดพาสปอร์ตได้ไหม", "giữ hộ chiếu được không?".
# Such a word right after a signal, in the same clause and with no call for help in between
# ("... giúp tôi được không?"), makes it a question too.
_MODALS_AFTER = """
    ไหม มั้ย มั๊ย หรือไม่ หรือเปล่า รึเปล่า ได้ไหม ได้มั้ย ได้หรือไม่ ได้รึเปล่า ถูกกฎหมาย ผิดกฎหมาย
    được_không hợp_pháp phạm_pháp ở_đâu
    দিলে রাখলে নিলে করলে
    भने पाउँछ पाइन्छ
    """
_MODAL_REACH = 5  # words before the signal that are checked for a modal
_MODAL_AFTER_REACH = 4  # words after the signal that are checked for a modal
_MODAL = "(modal)"  # pseudo-concepts marking where the modals are
_MODAL_AFTER = "(modal after)"

# How far apart (in words) the concepts of one signal may be, unless the signal says otherwise.
_WINDOW = 6

# Typos are matched only on words long enough to tell a typo from another word: 82 allows one
# missing or extra letter from 5 letters on ("pasport", "threatend") and one wrong letter from
# 6 on ("salery"), but not a wrong letter in a 5-letter word ("baten" is not "eaten").
_FUZZY_MIN_LENGTH = 5
_FUZZY_CUTOFF = 82

# A bare "help me" is a call for help only in a short message: in a longer one it is usually
# "can you help me with remittances". With any other signal the message is flagged anyway.
_HELP_MAX_WORDS = 12

# A Telegram message is at most 4,096 characters: about 700 English words, but Thai, cut into
# short words, can make 1,500 or more; the end of a long message must still be read.
_MAX_WORDS = 2_048
_LONGEST_WORD = 40  # longer "words" (pasted links, keyboard mashing) are not looked into


@dataclass(frozen=True)
class _Signal:
    """Concepts that must all appear within `window` words of each other.

    `personal`: also needs a first-person word somewhere in the message (asking about a topic
    is not being in it). `modal`: ignored right after "can", "is it legal", "what if"...
    `short`: counts only in a short message.
    """

    name: str
    concepts: tuple[str, ...]
    window: int = _WINDOW
    personal: bool = True
    modal: bool = True
    short: bool = False
    # Concepts that cancel the signal when they are this close to it ("not paying fees").
    unless: tuple[str, ...] = ()
    unless_window: int = 3
    # Concepts that cancel the signal anywhere in the message ("... lol").
    unless_anywhere: tuple[str, ...] = ()
    # The other concepts must come after the first one ("ตีฉัน" hits me, "ฉันตี" I hit).
    ordered: bool = False


_SIGNALS: tuple[_Signal, ...] = (
    _Signal("document taken", ("document", "take")),
    _Signal("not paid", ("pay", "not"), unless=("cost",)),
    _Signal("wages kept", ("pay", "take"), unless=("borrow",)),
    _Signal("held at sea", ("sea", "not", "pay"), window=10),
    _Signal("locked in", ("confine",)),
    _Signal("locked in", ("lock", "inside"), window=4),
    _Signal("not allowed to leave", ("not", "let", "leave")),
    _Signal("not allowed to leave", ("not", "letgo"), window=2),
    _Signal("not allowed to leave", ("cannot", "leave_strict"), window=3),
    # "she took me to the doctor" is a kindness.
    _Signal("held", ("take", "object"), window=1, unless=("toward",), unless_window=2),
    _Signal("held", ("take", "object_after"), window=1, ordered=True),
    _Signal("forced to work", ("force",)),
    _Signal("forced to work", ("make", "object", "work"), window=3),
    _Signal("violence or threats", ("violence",)),
    _Signal("violence or threats", ("violence_object", "object"), window=2, personal=False),
    _Signal(
        "violence or threats",
        ("violence_object", "object_after"),
        window=2,
        personal=False,
        ordered=True,
    ),
    # "โดนหัวหน้าตบ" (got slapped by the boss), "ถูกนายจ้างตี": the marker names the victim.
    _Signal(
        "violence or threats",
        ("victim", "violence_object"),
        window=3,
        personal=False,
        ordered=True,
    ),
    _Signal("sold", ("sold", "be"), window=2),
    _Signal("sold", ("sold", "person"), window=2),
    _Signal("sold", ("sold", "child"), window=3),
    _Signal("run away", ("run", "away"), window=1),
    _Signal("run away", ("flee",)),
    _Signal("child taken to work", ("child", "taken_away", "work"), window=8),
    _Signal("turned away from shelter", ("shelter", "refuse")),
    _Signal("debt that cannot be repaid", ("debt", "not", "repay"), window=8),
    # The relative and the silence are often a sentence apart ("my husband left with an agent
    # in may ... and disappeared"). "missing me" is longing, not a disappearance.
    _Signal(
        "relative missing",
        ("missing", "child"),
        window=12,
        unless=("person", "missing_what"),
        unless_window=2,
    ),
    _Signal(
        "relative missing",
        ("missing", "relative"),
        window=12,
        unless=("person", "missing_what"),
        unless_window=2,
    ),
    _Signal("relative missing", ("not", "reach", "object"), window=3),
    _Signal("trapped in fighting", ("trapped", "conflict"), window=10, modal=False),
    _Signal("threatened with deportation", ("deport", "complain"), modal=False),
    # Despair. Said of oneself, these need no "I" ("อยากตาย", "chỉ muốn chết"); and "if" does
    # not make them a question ("maybe better if i just end it tonight").
    _Signal(
        "wants to die",
        ("selfharm",),
        personal=False,
        modal=False,
        unless=("vi_idiom_adjective",),
        unless_window=1,
    ),
    _Signal("wants to die", ("want", "die"), window=4, personal=False, modal=False, ordered=True),
    _Signal("wants to die", ("suicide",), modal=False),
    _Signal(
        "wants to die",
        ("live_on", "not", "want"),
        window=3,
        unless=("place_word",),
        unless_window=1,
    ),
    _Signal("wants to die", ("live_like_this",), modal=False),
    _Signal("wants to die", ("endure_no_more",), unless=("wait",), unless_anywhere=("laugh",)),
    # No food or water given ("no food for 3 days", "hindi ako pinapakain"); "i havent eaten
    # yet" and "so hungry lol" are everyday talk.
    _Signal(
        "no food or water", ("food", "not"), window=3, unless=("yet",), unless_anywhere=("laugh",)
    ),
    _Signal("sick and made to work", ("sick", "must", "work"), window=6),
    # Afraid to get care because of papers or the police: "no visa so i cant go doctor",
    # "scared to go hospital, they will call police".
    _Signal("afraid to get care", ("medical", "not", "document"), window=8),
    _Signal("afraid to get care", ("medical", "fear"), window=5),
    _Signal("afraid to get care", ("medical", "police"), window=6),
    # Stranded: nothing to live on and nowhere to go ("no money no passport", "no money no
    # food"); "send money without ID" is about remittances.
    _Signal("stranded", ("money", "not", "document"), window=6, unless=("transfer",)),
    _Signal("stranded", ("money", "not", "food"), window=6, unless=("transfer",)),
    _Signal("stranded", ("homeless",)),
    _Signal("stranded", ("abandoned",)),
    # Bombs and missiles where the writer is; a flood or earthquake with someone stuck in it
    # ("we are on the roof, nobody is coming"). "the war in the news" is neither.
    _Signal("caught in war or disaster", ("attack",)),
    _Signal("caught in war or disaster", ("trapped", "disaster"), window=10, modal=False),
    # Debt bondage: the debt grows with interest faster than work pays it off.
    _Signal("debt that keeps growing", ("debt", "grow"), window=12),
    # Wages cut away ("they cut all my salary for fees"); "tax cut from salary" is a price.
    _Signal("wages cut", ("cut", "pay"), window=3, unless=("cost",)),
    _Signal("wages cut", ("paycut",)),
    # Someone comes into the writer's room and they are afraid or lock the door against them
    # ("comes to my room at night ... i lock the door"). "i come back to my room" is the
    # writer; "my brother came to my room to watch the football" is a visit.
    _Signal(
        "harassed in own room",
        ("enter", "room", "fear"),
        window=10,
        unless=("self_return",),
        unless_window=1,
    ),
    _Signal(
        "harassed in own room",
        ("enter", "room", "lock"),
        window=10,
        unless=("self_return",),
        unless_window=1,
    ),
    # An employer or broker bringing up the police or immigration ("broker says pay or he
    # hands me to the police"), or "... or else" with police or deportation.
    _Signal("threatened with police", ("actor", "police"), window=10),
    _Signal("threatened with police", ("otherwise", "police"), window=6),
    _Signal("threatened with police", ("otherwise", "deport"), window=6),
    # A daughter or son married off ("my uncle is marrying her to an old man for money").
    _Signal("married off", ("marry_off", "child"), window=8),
    _Signal("asks for help", ("help", "object"), window=2, personal=False, short=True),
    _Signal(
        "asks for help",
        ("help", "object_after"),
        window=2,
        personal=False,
        short=True,
        ordered=True,
    ),
    _Signal("asks for help", ("help_alone",), personal=False, modal=False, short=True),
)


# Vietnamese chat spellings, read as the full word when matching phrases ("ko tra" is
# "khong tra"). Only for phrases: alone, "ko" stays Tagalog "my". Phrases are stored with
# these spellings read the same way, so the Tagalog "hindi ko na kaya" still matches.
_ALIASES = {
    **dict.fromkeys(split_words("ko k kg kh khg hk hok hong"), "khong"),
    **dict.fromkeys(split_words("dc dk"), "duoc"),
    "vs": "voi",
    "mk": "minh",
    "mik": "minh",
    "e": "em",
    "t": "toi",
}


_Phrases = dict[str, list[tuple[tuple[str, ...], frozenset[str]]]]


def _parse_concepts() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]], _Phrases]:
    exact: dict[str, set[str]] = {}
    prefix: dict[str, set[str]] = {}
    phrases: dict[tuple[str, ...], set[str]] = {}
    tables = list(_CONCEPTS.items())
    tables += [(_MODAL, _MODALS), (_MODAL_AFTER, _MODALS_AFTER)]
    for concept, entries in tables:
        for entry in split_words(entries):
            if "_" in entry:
                phrase = tuple(_ALIASES.get(word, word) for word in fold(entry).split("_"))
                phrases.setdefault(phrase, set()).add(concept)
            else:
                table = prefix if entry.endswith("*") else exact
                table.setdefault(fold(entry.rstrip("*")), set()).add(concept)
    by_first: _Phrases = {}
    for phrase, found in phrases.items():
        by_first.setdefault(phrase[0], []).append((phrase[1:], frozenset(found)))
    return (
        {word: frozenset(found) for word, found in exact.items()},
        {stem: frozenset(found) for stem, found in prefix.items()},
        by_first,
    )


# Modals are exact words (or phrases), looked up apart so they are never matched as typos.
_EXACT_ALL, _PREFIX, _PHRASES = _parse_concepts()
_MODAL_WORDS = {
    word: found & {_MODAL, _MODAL_AFTER}
    for word, found in _EXACT_ALL.items()
    if found & {_MODAL, _MODAL_AFTER}
}
_EXACT = {
    word: found - {_MODAL, _MODAL_AFTER}
    for word, found in _EXACT_ALL.items()
    if found - {_MODAL, _MODAL_AFTER}
}


def _by_first_letter(entries: Iterable[str]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for entry in entries:
        if len(entry) >= _FUZZY_MIN_LENGTH:
            grouped.setdefault(entry[0], []).append(entry)
    return grouped


# Typos are looked up among entries with the same first letter: people rarely get it wrong,
# and it keeps the look-up fast.
_FUZZY_WORDS = _by_first_letter(_EXACT)
_FUZZY_STEMS = _by_first_letter(_PREFIX)


# Everyday words one letter away from a signal word: never read as its typo ("growing up
# without me" is not "groping", "will they treat me" is not "threat").
_NOT_TYPOS = frozenset(
    split_words(
        """
    grow grows growing grown treat treats treated treating treatment going sampai спасибо
    misses missed traffic broken shared scored writing lalaki отпуск отпуска отпуске отпуском
    """
    )
)


@lru_cache(maxsize=8192)
def _concepts_of(word: str) -> frozenset[str]:
    """The concepts one folded word belongs to: exactly, by prefix, then allowing a typo."""
    found: set[str] = set(_EXACT.get(word, ()))
    if len(word) > _LONGEST_WORD:
        return frozenset(found)
    for end in range(len(word), 1, -1):
        found.update(_PREFIX.get(word[:end], ()))
    if found or len(word) < _FUZZY_MIN_LENGTH or not word.isalpha() or word in _NOT_TYPOS:
        return frozenset(found)
    close = process.extractOne(
        word, _FUZZY_WORDS.get(word[0], ()), scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF
    )
    if close is not None:
        found.update(_EXACT[close[0]])
    # A stem is the beginning of a word: compare it with the word's beginning, one letter
    # longer too, so a dropped or doubled letter still matches ("trafic" for "traffic").
    for stem in _FUZZY_STEMS.get(word[0], ()):
        for head in (word[: len(stem)], word[: len(stem) + 1]):
            if fuzz.ratio(stem, head, score_cutoff=_FUZZY_CUTOFF):
                found.update(_PREFIX[stem])
    return frozenset(found)


# ---------------------------------------------------------------------------------------------
# Thai: no spaces between words, so a run of Thai letters is cut into the words of the Thai
# vocabulary (concept entries, first-person words, modals, and a few words that contain one of
# those but mean something else), at each point taking the longest word that fits.
# ---------------------------------------------------------------------------------------------

_THAI_LETTERS = "\u0e01-\u0e3a\u0e40-\u0e4e"
_THAI_OR_NOT = re.compile(rf"[{_THAI_LETTERS}]+|[^{_THAI_LETTERS}]+")

# Words that contain a vocabulary word but mean something else: "นายจ้าง" (employer) is not
# "จ้าง" (hire), "ตีน" (foot) is not "ตี" (hit), "ไม่รู้" (don't know) is no refusal. Also words
# the "tell me" / "I want to know" patterns above look for.
_THAI_OTHER_WORDS = """
    นายจ้าง ลูกจ้าง นายหน้า ลูกค้า ตีน ตีความ ตีหนึ่ง ตีสอง ตีสาม ตีสี่ ตีห้า ค้างคืน ค้างคาว บังคับใช้ ทาสี
    พาสเวิร์ด ยึดถือ ไม่รู้ ไม่แน่ใจ ไม่เข้าใจ ไม่ต้อง ไม่ว่า ไม่เป็นไร
    บอก อธิบาย แนะนำ สอน อยากรู้ อยากทราบ สงสัย
    """


def _thai_vocabulary() -> set[str]:
    entries = [*_EXACT_ALL, *_PERSONAL, *map(fold, split_words(_THAI_OTHER_WORDS))]
    return {word for word in entries if re.fullmatch(f"[{_THAI_LETTERS}]+", word)}


_Trie = dict[str, "_Trie"]  # a letter trie: "" marks the end of a word


def _trie_pattern(vocabulary: Iterable[str]) -> str:
    """A regex matching any of `vocabulary`, trying the longest word first (as a letter trie)."""
    trie: _Trie = {}
    for word in vocabulary:
        node = trie
        for letter in word:
            node = node.setdefault(letter, {})
        node[""] = {}

    def pattern(node: _Trie) -> str:
        branches = [re.escape(letter) + pattern(rest) for letter, rest in node.items() if letter]
        if not branches:
            return ""
        group = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
        return f"(?:{group})?" if "" in node else group

    return pattern(trie)


# A word may not start right after a leading vowel (เ แ โ ใ ไ belong to the next consonant),
# nor end before a vowel sign or tone mark (those belong to its last letter): this keeps "หนี"
# (flee) out of "หนี้" (debt).
_THAI_WORD = re.compile(
    rf"(?<![\u0e40-\u0e44])(?:{_trie_pattern(_thai_vocabulary())})(?![\u0e30-\u0e3a\u0e45\u0e47-\u0e4e])"
)
_THAI_UNKNOWN = 4  # letters not in any vocabulary word count as one word per this many


def _thai_words(run: str) -> list[str]:
    """A run of Thai letters cut into vocabulary words and chunks of unknown letters."""
    found: list[str] = []
    done = 0
    for match in _THAI_WORD.finditer(run):
        gap = run[done : match.start()]
        found += [gap[at : at + _THAI_UNKNOWN] for at in range(0, len(gap), _THAI_UNKNOWN)]
        found.append(match.group())
        done = match.end()
    gap = run[done:]
    found += [gap[at : at + _THAI_UNKNOWN] for at in range(0, len(gap), _THAI_UNKNOWN)]
    return found


def _is_thai(word: str) -> bool:
    return "\u0e01" <= word[0] <= "\u0e4e"


_HAS_THAI = re.compile(f"[{_THAI_LETTERS}]")

# Where one clause ends and the next begins: punctuation or emoji between words (none of which
# is ever part of a word), or, in Thai (which uses a space where other languages use a comma or
# a full stop), a space between Thai letters.
_CLAUSE_BREAK = re.compile(rf"[^\w\s{_MARKS}'\"“”‘’«»-]+|_+")
_THAI_CLAUSE_BREAK = re.compile(rf"(?<=[{_THAI_LETTERS}])\s+(?=[{_THAI_LETTERS}])")


def _read(text: str) -> tuple[list[str], list[int], bool]:
    """The words of `text` (as `words`, but Thai runs cut into words), the clause number of
    each word, and whether there was any Thai."""
    folded = fold(text)
    thai = _HAS_THAI.search(folded) is not None
    tokens: list[str] = []
    clauses: list[int] = []
    parts = _CLAUSE_BREAK.split(folded)
    if thai:
        parts = [clause for part in parts for clause in _THAI_CLAUSE_BREAK.split(part)]
    for clause, part in enumerate(parts):
        found = WORD.findall(part)
        if thai:
            found = [
                word
                for run in found
                for piece in _THAI_OR_NOT.findall(run)
                for word in (_thai_words(piece) if _is_thai(piece) else (piece,))
            ]
        tokens += found
        clauses += [clause] * len(found)
        if len(tokens) >= _MAX_WORDS:
            break
    return tokens[:_MAX_WORDS], clauses[:_MAX_WORDS], thai


# Folded Vietnamese syllables that are also words of other languages' lists: "cần" (need) is
# not "can", "máy" (machine) not "may", "nó" (he) not "no", "mẹ" (mother) not "me". Typed with
# accents, such a word counts only as Vietnamese (as nothing here, but in phrases); typed
# without, only when the message has a word only Vietnamese has, so that "my boss Nguyễn hit
# me" keeps its English "hit me".
_VI_HOMOGRAPHS = frozenset(
    split_words("am be can ga go hit in may me moi my na nai nam ne net no ran son")
)
_VIETNAMESE_WORDS = frozenset(split_words("toi khong duoc cua nguoi nhung voi roi"))


# Words repeat across messages: fold each once (for long messages in many scripts).
_fold_word = lru_cache(maxsize=8192)(fold)


def _vietnamese_homographs(text: str, tokens: list[str]) -> frozenset[str]:
    """The words of `_VI_HOMOGRAPHS` that are Vietnamese in this message."""
    if not _VIETNAMESE_WORDS.isdisjoint(tokens):
        return _VI_HOMOGRAPHS
    if text.isascii():
        return frozenset()
    accented = (
        _fold_word(word)
        for word in WORD.findall(text)
        if len(word) <= 8 and not word.isascii() and not _is_thai(word)
    )
    return _VI_HOMOGRAPHS.intersection(accented)


# Tagalog "may" is "there is" / "has" ("may lagnat ako": I have a fever), not the modal.
_TAGALOG_WORDS = frozenset(split_words("ang ng mga ako po yung naman lang"))
_TAGALOG_HOMOGRAPHS = frozenset(("may",))


def _homographs(text: str, tokens: list[str]) -> frozenset[str]:
    """Words read here only as part of a phrase, because in this message they belong to
    Vietnamese or Tagalog, not to the language whose list has them."""
    found = _vietnamese_homographs(text, tokens)
    if not _TAGALOG_WORDS.isdisjoint(tokens):
        found |= _TAGALOG_HOMOGRAPHS
    return found


@lru_cache(maxsize=8192)
def _lookup(word: str) -> tuple[str, ...]:
    """The concepts (and modal marks) of one word of `_read`."""
    concepts = _EXACT.get(word, frozenset()) if _is_thai(word) else _concepts_of(word)
    return (*concepts, *_MODAL_WORDS.get(word, ()))


def _positions(tokens: list[str], homographs: frozenset[str]) -> dict[str, list[int]]:
    """Where each concept (and modal) occurs among `tokens`, in order; the `homographs` only
    in phrases."""
    positions: dict[str, list[int]] = {}
    for at, token in enumerate(tokens):
        alone = () if token in homographs else _lookup(token)
        for concept in alone:
            positions.setdefault(concept, []).append(at)
        for rest, found in _PHRASES.get(_ALIASES.get(token, token), ()):
            following = tokens[at + 1 : at + 1 + len(rest)]
            if tuple(_ALIASES.get(word, word) for word in following) == rest:
                for concept in found:
                    positions.setdefault(concept, []).append(at)
    return positions


# Concepts that place the writer or their family in the situation when no "I" is written:
# a relative, being the one something is done to, an employer acting (in a language that
# drops "I"), "here".
_PERSONAL_CONCEPTS = ("kin", "victim", "actor_local", "here", "nobody_helps")


def _is_personal(
    tokens: list[str], thai: bool, positions: dict[str, list[int]]
) -> tuple[bool, bool]:
    """Whether the writer speaks about themselves or their family (not only in "tell me about
    ..."), and whether they ask for information ("tell me about ...")."""
    joined = " ".join(tokens)
    text = _NOT_PERSONAL.sub(" ", joined)
    if thai:
        text = _NOT_PERSONAL_TH.sub(" ", text)
    personal = _speaks_of_self(tokens, text) or any(map(positions.get, _PERSONAL_CONCEPTS))
    return personal, text != joined


def _speaks_of_self(tokens: list[str], text: str) -> bool:
    if any(token in _PERSONAL for token in text.split()):
        return True
    # Indonesian and Malay attach "my" to the noun: "pasporku", "gajiku".
    return any(len(token) > 4 and token.endswith("ku") for token in tokens)


def _found(signal: _Signal, positions: dict[str, list[int]], clauses: list[int]) -> bool:
    """Whether all concepts of `signal` occur close together, and not as part of a question."""
    spots = [positions.get(concept) for concept in signal.concepts]
    if not all(spots) or any(map(positions.get, signal.unless_anywhere)):
        return False
    first, *others = [spot for spot in spots if spot]
    for anchor in first:
        near = [
            [
                at
                for at in spot
                if abs(at - anchor) <= signal.window and (at > anchor or not signal.ordered)
            ]
            for spot in others
        ]
        if not all(near):
            continue
        spoilers = (positions.get(concept, []) for concept in signal.unless)
        if any(abs(at - anchor) <= signal.unless_window for spot in spoilers for at in spot):
            continue
        if signal.modal and _asks(positions, clauses, [anchor, *(spot[0] for spot in near)]):
            continue
        return True
    return False


def _asks(positions: dict[str, list[int]], clauses: list[int], spots: list[int]) -> bool:
    """Whether a modal comes just before the words at `spots`, or a question word just after."""
    start, end = min(spots), max(spots)
    if any(start - _MODAL_REACH <= at < start for at in positions.get(_MODAL, ())):
        return True
    helps = [*positions.get("help", ()), *positions.get("help_alone", ())]
    return any(
        end < at <= end + _MODAL_AFTER_REACH
        and clauses[at] == clauses[end]
        and not any(end < spot < at for spot in helps)
        for at in positions.get(_MODAL_AFTER, ())
    )


def distress_signals(text: str) -> tuple[str, ...]:
    """The names of the danger signals found in `text`, in a fixed order; empty when none."""
    tokens, clauses, thai = _read(text)
    positions = _positions(tokens, _homographs(text, tokens))
    personal, asking = _is_personal(tokens, thai, positions)
    found: list[str] = []
    for signal in _SIGNALS:
        if signal.name in found or (signal.personal and not personal):
            continue
        if signal.short and (len(tokens) > _HELP_MAX_WORDS or asking):
            continue
        if _found(signal, positions, clauses):
            found.append(signal.name)
    return tuple(found)


# The kind of danger each signal speaks of (`bot.content.models.DISTRESS_KINDS`): it picks the
# urgent-help note a person gets. A signal not listed here is "general".
SIGNAL_KINDS: dict[str, str] = {
    "wants to die": "self_harm",
    "harassed in own room": "sexual_violence",
    "document taken": "trafficking",
    "not paid": "trafficking",
    "wages kept": "trafficking",
    "wages cut": "trafficking",
    "held at sea": "trafficking",
    "locked in": "trafficking",
    "not allowed to leave": "trafficking",
    "held": "trafficking",
    "forced to work": "trafficking",
    "sold": "trafficking",
    "child taken to work": "trafficking",
    "debt that cannot be repaid": "trafficking",
    "debt that keeps growing": "trafficking",
    "trapped in fighting": "disaster",
    "caught in war or disaster": "disaster",
}
# When a message has signals of several kinds, the note of the first kind here is shown: a
# life at risk from the person's own hand first; bombs or a flood before "trapped", which also
# reads as being locked in.
KIND_ORDER: tuple[str, ...] = (
    "self_harm",
    "sexual_violence",
    "disaster",
    "detention",
    "trafficking",
    GENERAL_DISTRESS,
)


def distress_kinds(text: str) -> tuple[str, ...]:
    """The kinds of danger `text` signals, most pressing first; empty when none."""
    found = {SIGNAL_KINDS.get(name, GENERAL_DISTRESS) for name in distress_signals(text)}
    return tuple(kind for kind in KIND_ORDER if kind in found)


def is_distress(text: str) -> bool:
    """Whether `text` signals danger or abuse (passport taken, unpaid, locked in, threats...)."""
    return bool(distress_signals(text))
