"""Language knowledge: how text is read (`bot.lang.text`) and what the bot knows about each
language, as data files in `bot/lang/<code>/` loaded by `bot.lang.data`.

A new language is one folder here (language.yaml and whichever word lists it needs), plus its
interface strings in bot/locales and its content.
"""
