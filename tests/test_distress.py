"""The distress check: someone in danger is flagged; someone asking about a topic is not."""

from __future__ import annotations

import pytest

from bot.distress import distress_signals, is_distress


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
    ],
)
def test_danger_is_flagged(text: str) -> None:
    assert is_distress(text), text


@pytest.mark.parametrize(
    "text",
    [
        # asking about a topic is not being in it
        "what did they say about trafficking",
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
