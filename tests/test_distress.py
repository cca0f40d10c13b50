"""The distress check: someone in danger is flagged; someone asking about a topic is not."""

from __future__ import annotations

import pytest

from bot.distress import distress_kinds, distress_signals, is_distress


@pytest.mark.parametrize(
    "text",
    [
        # English: documents, pay, confinement, force, violence, sale, escape, help
        "my boss took my passport and won't give it back",
        "the agency is keeping our passports",
        "employer holds my ID card",
        "they have not paid me for 3 months",
        "no salary since january, i have no money for food",
        "boss only pays me half my wages",
        "we are locked in the factory at night",
        "they lock us inside the house",
        "i am not allowed to leave the house",
        "he wont let me go home",
        "i cant leave, there are guards everywhere",
        "i am forced to work 18 hours a day",
        "they made me work without rest",
        "my employer beats me",
        "the manager touches me and i am scared",
        "he threatened to kill my family",
        "the agent threatens to deport me if i complain",
        "i was sold to another employer",
        "i think i am being trafficked",
        "i want to run away but i have nowhere to go",
        "help me please",
        "SOS",
        "please help us, we are trapped",
        "we have been at sea for a year and they don't pay us",
        "my daughter was sent to work in a factory across the border",
        # debt that cannot be paid back, a relative nobody can reach, caught in fighting
        "the agent says i owe him money i can never pay back",
        "my sister went abroad for a job and now we cannot reach her",
        "my son is missing since he went to malaysia",
        "there is fighting in the city and i am stuck here",
        "after the flood the shelter turned us away because we are foreigners",
        # typos
        "my boss tok my pasport",
        "they havent payed my salery",
        "im beeing threatend by my employer",
        # Russian (also typed in Latin letters)
        "Помогите, меня держат на стройке и не отпускают домой",
        "работодатель забрал мой паспорт",
        "мне не платят зарплату третий месяц",
        "меня бьют и угрожают",
        "pomogite, u menya zabrali pasport",
        # Indonesian
        "tolong saya, paspor saya ditahan majikan",
        "gaji saya tidak dibayar tiga bulan",
        "saya dipukul oleh majikan",
        "kami dikurung di rumah majikan",
        # Tagalog
        "kinuha ng amo ko ang pasaporte ko",
        "hindi binabayaran ang sahod ko",
        "sinasaktan ako ng amo ko",
        "saklolo! tulungan mo ako",
        # Bengali (also typed in Latin letters)
        "আমার পাসপোর্ট মালিক নিয়ে নিয়েছে",
        "আমাকে তিন মাস বেতন দেয়নি",
        "মালিক আমাকে মারধর করে",
        "amar passport niye neyeche malik",
        "amake beton dey na",
        # Nepali (also typed in Latin letters)
        "मेरो राहदानी साहुले राख्यो",
        "मलाई तीन महिनादेखि तलब दिएन",
        "साहुले मलाई कुट्छ",
        "mero passport sahu le liyo",
        # English with a Vietnamese name: "Nguyễn" does not make "hit me" Vietnamese
        "my boss Nguyễn Văn Nam hits me",
        # Thai (no spaces between words)
        "นายจ้างยึดพาสปอร์ตของฉันไว้",
        "นายจ้างเก็บบัตรชมพูของผมไม่ยอมคืน",
        "ฉันไม่ได้รับเงินเดือนมาสามเดือนแล้ว",
        "นายจ้างไม่จ่ายค่าแรงหนู 2 เดือนแล้วค่ะ",
        "พวกเราถูกขังอยู่ในโรงงาน",
        "เขาล็อคห้องไม่ให้ฉันออกไปไหน",
        "ออกไปไหนไม่ได้เลย ฉันกลัวมาก",
        "ฉันถูกบังคับให้ทำงานวันละ 18 ชั่วโมง",
        "นายจ้างตีฉันทุกวัน",
        "ผมโดนนายจ้างทำร้ายร่างกาย",
        "เขาขู่ว่าจะฆ่าครอบครัวผม",
        "ช่วยด้วยค่ะ",
        "ช่วยหนูด้วย หนูถูกขายมา",
        "ฉันอยากหนีแต่ไม่มีเอกสาร",
        "กัปตันไม่จ่ายเงินเดือน ผมอยู่บนเรือมาสองปีแล้ว",
        "ลูกสาวฉันถูกพาไปทำงานที่โรงงาน",
        "นายหน้าขู่ว่าจะส่งกลับประเทศถ้าผมร้องเรียน",
        # a question word that asks for help, not about the passport
        "นายจ้างยึดพาสปอร์ตของฉัน ช่วยได้ไหม",
        # Vietnamese (with and without accents, chat spellings)
        "chủ giữ hộ chiếu của tôi không trả",
        "cong ty lay ho chieu cua em roi",
        "chu nha giu passport cua minh ko tra lai",
        "em làm 3 tháng rồi mà chủ không trả lương",
        "ba thang nay toi chua duoc tra luong",
        "chủ ko trả lương cho e 4 tháng nay rồi",
        "chủ nợ lương em 3 tháng",
        "chúng tôi bị nhốt trong nhà, không cho ra ngoài",
        "họ không cho tôi về nước",
        "tôi không thể thoát ra khỏi đây",
        "tôi bị ép làm việc 16 tiếng một ngày",
        "chủ đánh em, em sợ lắm",
        "họ dọa giết gia đình tôi",
        "cứu tôi với",
        "giúp em với",
        "Em cần giúp đỡ, em bị nhốt trong nhà",
        "em bị bán sang đây làm việc, cứu em",
        "môi giới dọa trục xuất nếu tôi khiếu nại",
        "con gái tôi bị đưa đi làm việc ở nhà máy bên kia biên giới",
        "tàu cá không trả lương, chúng tôi ở trên biển 2 năm rồi",
        "tôi muốn trốn nhưng không có giấy tờ",
        # "cần" (need) and "máy" (machine) are not the modals "can" and "may"
        "tôi cần tiền, chủ không trả lương",
        "toi lam o nha may, chu giu ho chieu cua toi",
        # no "I" written: a relative, being the one it is done to, an employer acting, "here"
        "работодатель забрал паспорт и не отдает",
        "бригадир избил моего брата",
        "chủ không trả lương 3 tháng rồi",
        "โดนหัวหน้าตบหน้า",
        "majikan tidak bayar gaji 4 bulan",
        "udah 3 bulan gaji ga dibayar, malah diancam",
        "साहुले पासपोर्ट खोसेर राखेको छ",
        "ไม่มีข้าวกินมา 2 วันแล้ว ติดอยู่ที่นี่",
    ],
)
def test_danger_is_flagged(text: str) -> None:
    assert is_distress(text), text


@pytest.mark.parametrize(
    "text",
    [
        # asking about a topic is not being in it
        "what did they say about trafficking",
        "what did they say about debt bondage?",
        "i owe the agency money, can i still change my job?",
        "how do countries help people stuck in a war zone?",
        "i cant call my family because of the fees",
        "i can't find my passport",
        # everyday words one letter from a signal word are not its typos
        "my kids are growing up without me while i work abroad",
        "if i get deported will they treat me with dignity",
        "what does the compact say about forced labour?",
        "tell me about smuggling and trafficking",
        "are passports confiscated often? what did the meeting say",
        "how should victims of trafficking be protected",
        "what about workers who are not paid?",
        "can my boss keep my passport?",
        "is it legal for my employer to hold my passport?",
        "can I be deported if I lose my job?",
        # prices, not wages kept back
        "How can I send money to my family back home without paying big fees?",
        "i want to send money home without paying high charges",
        "will the police arrest me if i report my trafficker?",
        "even if I came the legal way, can I still be abused",
        "what is modern slavery",
        "does the compact protect women from violence",
        # ordinary questions and chat
        "how can i send money home cheaper?",
        "being paid less than locals for the same job",
        "equal pay",
        "can you help me understand the compact",
        "help me find the part about remittances",
        "i want to know more about family reunification",
        "hi",
        "thanks, bye",
        "the earthquake hit the city last year",
        "people taking dangerous routes because they have no other option",
        "my account is locked, how to reset my facebook password",
        "I sold my land to pay the agent",
        "i watched a movie about migrants",
        "",
        "🙂",
        # other languages, asking
        "Что говорится о торговле людьми?",
        "Apa kata pertemuan tentang perdagangan orang?",
        "Ano ang sinabi tungkol sa human trafficking?",
        "মানব পাচার সম্পর্কে কী বলা হয়েছে?",
        "मानव बेचबिखनबारे के भनियो?",
        # Thai, asking
        "นายจ้างยึดพาสปอร์ตของฉันได้ไหม",
        "นายจ้างสามารถเก็บหนังสือเดินทางของลูกจ้างได้หรือไม่",
        "นายจ้างเก็บพาสปอร์ตของฉันถูกกฎหมายไหมคะ",
        "ที่ประชุมพูดถึงการค้ามนุษย์ว่าอย่างไร",
        "ข้อตกลงพูดถึงแรงงานบังคับว่าอย่างไร",
        "ช่วยบอกฉันเรื่องแรงงานบังคับหน่อย",
        "ฉันอยากรู้เรื่องแรงงานบังคับ",
        "ฉันจะส่งเงินกลับบ้านยังไงให้ถูกที่สุด",
        "ส่งเงินกลับบ้านโดยไม่ต้องเสียค่าธรรมเนียมแพงได้อย่างไร",
        "ถ้านายจ้างไม่จ่ายเงินเดือน ฉันควรทำอย่างไร",
        "ถ้าฉันตกงาน ฉันจะถูกส่งกลับประเทศไหม",
        "ช่วยฉันได้ไหมคะ",
        "บัญชีฉันถูกล็อค ทำยังไงดี",
        "ฉันไม่รู้ว่าค่าแรงขั้นต่ำเท่าไหร่",
        "ฉันเก็บเงินส่งให้แม่ทุกเดือน",
        "ฉันขายที่ดินเพื่อจ่ายค่านายหน้า",
        "ฉันทำงานถึงตีสองทุกวัน",
        "หนี้บัตรเครดิตของฉันเยอะมาก",
        "ฉันช่วยแม่ทำงานบ้าน",
        "สวัสดีค่ะ",
        # Vietnamese, asking
        "chủ có được giữ hộ chiếu của công nhân không?",
        "công ty có quyền giữ hộ chiếu của tôi không?",
        "chủ giữ hộ chiếu của tôi được không?",
        "chu giu ho chieu cua toi dc ko",
        "cuộc họp nói gì về buôn người?",
        "hiệp ước nói gì về lao động cưỡng bức?",
        "cho tôi hỏi về nạn buôn người",
        "tôi muốn biết về lao động cưỡng bức",
        "làm sao để gửi tiền về nhà?",
        "lam sao gui tien ve nha re nhat",
        "làm thế nào để gửi tiền về nhà mà không mất phí cao",
        "nếu chủ không trả lương thì tôi phải làm gì?",
        "tôi có thể bị trục xuất nếu mất việc không?",
        "tôi muốn đổi giấy tờ, lấy ở đâu?",
        "tôi cần làm hộ chiếu mới, cảm ơn",
        "tài khoản facebook của tôi bị khóa, làm sao lấy lại",
        "cảm ơn, tôi đánh giá cao sự giúp đỡ của bạn",
        "bạn giúp tôi được không?",
        "tôi không biết lương tối thiểu là bao nhiêu",
        # "nó" (he) is not "no"
        "nó trả lương cho tôi đầy đủ",
        "xin chào",
        # questions in languages that drop "I", and employers named in English
        "что делать если работодатель забирает паспорт?",
        "kalau majikan nahan paspor itu melanggar hukum ga sih?",
        "totoo ba na bawal sa saudi na kunin ng amo ang passport?",
        "মালিক পাসপোর্ট রেখে দিলে কি করতে হয়?",
        "the training said employers cant lock workers in the house, is that true?",
        # everyday words near signal words
        "my employer is very kind, she took me to the doctor when i was sick",
        "my boss gave me a day off tomorrow, going to the beach",
        "suami saya sudah sampai di Jakarta",
        "спасибо большое за помощь",
        "не могу больше ждать отпуска",
        "help me write a letter to my boss",
    ],
)
def test_questions_about_a_topic_are_not_flagged(text: str) -> None:
    assert not is_distress(text), (text, distress_signals(text))


def test_signals_name_what_was_found() -> None:
    found = distress_signals("captain wont let us off the boat, 2 years at sea and no pay")
    assert "not paid" in found
    assert "not allowed to leave" in found


def test_long_and_odd_input_is_handled() -> None:
    assert not is_distress("x" * 4096)
    assert not is_distress("hello " * 700)
    assert is_distress(("lorem ipsum " * 100) + "they took my passport")


def test_vietnamese_phrases_need_all_their_words() -> None:
    # "hộ chiếu" (passport) is one entry of two words: "hộ" or "chiều" alone are other words
    assert "document taken" in distress_signals("chủ giữ hộ chiếu của tôi")
    assert not is_distress("chiều nay chủ nhờ tôi giữ hộ cái túi")
    assert not is_distress("tôi giữ hộ chị ấy tiền, chiều nay trả")


def test_thai_is_cut_into_words() -> None:
    # the longest word wins: "หนังสือเดินทาง" (passport), not "หนังสือ" ...; "หนี้" (debt) is
    # not "หนี" (flee); words after the signal only make a question in the same clause
    assert distress_signals("นายจ้างยึดหนังสือเดินทางของฉัน") == ("document taken",)
    assert not is_distress("ฉันมีหนี้เยอะ")
    assert is_distress("ฉันอยากหนี")
    assert not is_distress("นายจ้างยึดหนังสือเดินทางของฉันได้ไหม")


def test_long_thai_and_vietnamese_are_read_whole() -> None:
    # Telegram's longest messages; how fast is measured in benchmarks/bench_match.py.
    thai = ("ที่ประชุมพูดถึงการค้ามนุษย์ว่าอย่างไร " * 120)[:4000] + " นายจ้างยึดพาสปอร์ตของฉัน"
    vietnamese = ("làm sao gửi tiền về nhà " * 200)[:4000] + " chủ giữ hộ chiếu của tôi"
    assert is_distress(thai)
    assert is_distress(vietnamese)
    assert not is_distress("ก" * 4096)


# One block per newer signal: what it flags, and the look-alikes it leaves alone.
@pytest.mark.parametrize(
    ("signal", "flagged", "not_flagged"),
    [
        (
            "wants to die",
            [
                "i want to die, nobody helps me",
                "i cant take it anymore",
                "maybe better if i just end it tonight",
                "i dont want to live anymore",
                "хочу умереть",
                "не могу больше так жить",
                "pengen mati aja",
                "gusto ko na lang mamatay",
                "আর পারছি না, মরে যেতে চাই",
                "मलाई मर्न मन लाग्छ",
                "อยากตาย",
                "em chỉ muốn chết thôi",
            ],
            [
                "im dying to see my family",
                "this heat is killing me haha",
                "killing time at the airport",
                "what support is there for workers who feel suicidal?",
                "i want to live in a bigger room",
                "i cant wait anymore for my day off",
                "pagod na ako hindi ko na kaya mag overtime lol",
                "nóng muốn chết",
                "mệt muốn chết luôn",
                "хочу домой, устала",
            ],
        ),
        (
            "no food or water",
            [
                "we have had no food for 3 days",
                "they dont give us water on the farm",
                "меня не кормят",
                "majikan tidak kasih makan",
                "hindi ako pinapakain",
                "মালিক আমাকে খাবার দেয় না",
                "मलाई खाना दिँदैन",
                "นายจ้างไม่ให้กินข้าว ฉันหิวมาก",
                "chủ không cho em ăn",
            ],
            [
                "we had a party at the dorm, so much food!",
                "i havent eaten yet, talk later",
                "no food left in my fridge lol",
                "ฉันยังไม่ได้กินข้าว",
            ],
        ),
        (
            "sick and made to work",
            [
                "i have a fever but they still make me work",
                "sakit demam tetap disuruh kerja",
                "may lagnat ako pero pinagtatrabaho pa rin ako",
            ],
            ["i was sick last month, now i am ok and back at work"],
        ),
        (
            "afraid to get care",
            [
                "no visa so i cant go to the doctor",
                "i am pregnant and scared to go to the hospital",
                "ami osustho kintu kagoj nai, hospital gele police dhorbe",
                "म बिरामी छु तर अस्पताल जान डर लाग्छ",
                "em không có giấy tờ, sợ đi viện bị bắt",
            ],
            [
                "can i see a doctor if my visa is in renewal?",
                "is it safe to see a doctor if my visa has expired?",
                "my mother is in hospital, how can i send money fast",
            ],
        ),
        (
            "stranded",
            [
                "we have no money no passport, sleeping at the station",
                "we have no money and no food, the company closed",
                "the agency abandoned us at the airport",
                "у меня негде жить, денег нет",
            ],
            [
                "how do i send money home without an ID?",
                "i want to send money without paying fees",
            ],
        ),
        (
            "caught in war or disaster",
            [
                "bombs near our building, we are scared",
                "обстрелы каждую ночь, мы в подвале",
                "flood water in the camp, we are on the roof",
                "ở đây bom rơi gần chỗ em",
            ],
            [
                "the war in the news is terrible",
                "the earthquake was terrible, my friend there is safe",
                "how do countries help people stuck in a war zone?",
                "my husband misses me a lot",
            ],
        ),
        (
            "debt that keeps growing",
            [
                "my debt to the agency keeps growing with interest",
                "мой долг только растет",
                "utang ke agen makin besar, ada bunga",
                "นายหน้าบอกว่ายังติดหนี้ ดอกเบี้ยขึ้นทุกเดือน",
                "nợ môi giới càng tăng, lãi suất cao quá, em không về được",
            ],
            [
                "what did the meeting say about debt bondage?",
                "what happens to my debt if i change employer?",
            ],
        ),
        (
            "wages cut",
            ["they cut all my salary for fees", "gaji saya dipotong terus", "ฉันโดนหักเงิน"],
            ["how much tax is cut from salary here"],
        ),
        (
            "relative missing",
            [
                "my husband left with an agent for malaysia and his phone is off",
                "муж уехал с посредником и пропал",
                "adik sy hilang kontak 2 bulan",
                "আমার ভাই লিবিয়া গেছে, ৩ মাস কোনো খবর নাই",
                "मेरो छोरी दुबई गएकी, सम्पर्क छैन",
            ],
            [
                "my husband is missing me so much",
                "my brother is missing the game tonight",
                "ভাই কেমন আছেন? অনেক দিন খবর নাই আপনার",
            ],
        ),
        (
            "threatened with police",
            [
                "দালাল বলছে টাকা না দিলে পুলিশে দেবে",
                "the agent says i pay more or he will call the police",
                "хозяин говорит вызовет миграционную службу",
            ],
            ["will the police arrest me if i report my trafficker?"],
        ),
        (
            "harassed in own room",
            [
                "the son of my employer comes to my room at night, i am scared",
                "bos masuk ke kamar saya malam malam, saya takut",
            ],
            [
                "my brother came to my room at night to watch the football",
                "i come back to my room at night, so scared of exams lol",
            ],
        ),
        (
            "married off",
            ["my uncle is marrying her to an old man, my daughter is only 14"],
            ["my daughter is getting married next month, how do i send money"],
        ),
    ],
)
def test_newer_signals(signal: str, flagged: list[str], not_flagged: list[str]) -> None:
    for text in flagged:
        assert signal in distress_signals(text), (text, distress_signals(text))
    for text in not_flagged:
        assert signal not in distress_signals(text), (text, distress_signals(text))


def test_tagalog_may_is_not_a_modal() -> None:
    # "may lagnat ako" is "i have a fever"; in English "may" still makes a question
    assert is_distress("may lagnat ako pero pinagtatrabaho pa rin ako ng amo ko")
    assert not is_distress("may my employer keep my passport?")


def test_tagalog_phrases_with_ko_match() -> None:
    # "ko" is also Vietnamese chat for "không": phrases are read with the same spelling
    assert "wants to die" in distress_signals("hindi ko na kaya, pagod na pagod na ako")


# Written for this test: each flagged by some signal, the marker words pick the note.
KIND_MARKED = [
    ("my boss beat me and raped me", "sexual_violence"),
    ("majikan memperkosa saya, tolong", "sexual_violence"),
    ("tôi bị đánh và bị hiếp dâm", "sexual_violence"),
    ("ধর্ষণ করেছে মালিক আমাকে, বাঁচাও", "sexual_violence"),
    ("they detained me and took my passport", "detention"),
    ("saya ditangkap polisi dan dikurung bersama anak", "detention"),
]


@pytest.mark.parametrize(("text", "kind"), KIND_MARKED)
def test_marker_words_pick_the_kind_of_a_flagged_message(text: str, kind: str) -> None:
    assert distress_kinds(text)[0] == kind


def test_marker_words_alone_flag_nothing() -> None:
    assert distress_kinds("what did they say about detention of children") == ()
    assert distress_kinds("sexual harassment statistics in the report") == ()


def test_can_my_employer_keep_my_passport_is_a_question_in_bengali_and_nepali() -> None:
    assert not is_distress("নিয়োগকর্তা কি আমার পাসপোর্ট রেখে দিতে পারে?")
    assert not is_distress("रोजगारदाताले मेरो पासपोर्ट राख्न सक्छ?")
    assert is_distress("মালিক আমার পাসপোর্ট রেখে দিয়েছে, দেশে যেতে পারি না")
