"""Rebuild the shipped intent files of data/ from the phrasings written below.

This ran once, when the template was written; its output is committed, so training never needs
it. It is kept so anyone can check where every line of data/ came from, or change it:

    python scripts/build_default_data.py

The intents are those the assistant's router needs before it looks anything up. There are
fifteen, and they make three routes: small talk and questions about the bot itself (fourteen
intents, answered with a canned reply), questions about the Python language (`python_docs`,
answered from the language reference by document retrieval), and everything else (`oos`, out
of scope: declined). Each intent has sixteen phrasings written by hand. Eleven make the training
utterances, two the validation ones and three the test ones, so validation and test measure
phrasings the model never saw, not the same sentence with another filler word in front. Each
phrasing appears a few times, lightly varied the way people type (a filler word in front, other
punctuation, lower case, a swapped letter). The `python_docs` phrasings ask about the language
(comprehensions, decorators, f-strings, special methods, list, str and dict methods...) in the
forms people use; they were checked, by eye and by word overlap, against the questions of the
retrieval evaluation set, so none copies or paraphrases one. Out-of-scope messages come from
topics the bot does not cover, general-knowledge questions among them; the test's topics are
not those of training and validation.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "data"
OOS_LABEL = "oos"
SEED = 0
VARIANTS = {"train": 4, "val": 5, "test": 6}  # utterances made from each phrasing of a split

# fmt: off
PHRASINGS: dict[str, list[str]] = {
    "greeting": [
        "hello", "hi there", "hey", "good morning", "good evening", "hiya", "yo",
        "hello, is anyone there", "hey, nice to meet you", "greetings", "hi bot",
        "good afternoon", "hello hello", "hey there, friend", "morning!", "hi, I'm new here",
    ],
    "goodbye": [
        "bye", "goodbye", "see you later", "that's all for today, bye", "talk to you soon",
        "I have to go now", "catch you later", "bye for now", "good night", "see ya",
        "I'm leaving, take care", "farewell", "I'm off, bye", "until next time",
        "have a nice day, bye", "gotta run",
    ],
    "thanks": [
        "thank you", "thanks a lot", "many thanks", "thanks, that helped", "much appreciated",
        "thank you so much", "that was really helpful, thanks", "cheers", "I appreciate it",
        "great, thanks for the help", "thx", "thanks a bunch", "ty", "thank you kindly",
        "I owe you one, thanks", "thanks for your time",
    ],
    "how_are_you": [
        "how are you", "how are you doing", "how's it going", "how is your day",
        "are you doing well", "how have you been", "what's new with you", "how do you feel today",
        "everything good with you", "how are things", "you doing okay", "how's life",
        "how's your day been so far", "are you having a good day", "how are you feeling",
        "how's everything on your end",
    ],
    "bot_identity": [
        "are you a bot", "are you human", "what are you", "are you an AI",
        "is this an automated chat", "what's your name", "who am I talking to",
        "are you a person or a program", "is this a robot", "tell me about yourself",
        "do you have a name", "what kind of bot are you", "are you a machine", "introduce yourself",
        "describe yourself", "are you alive",
    ],
    "bot_creator": [
        "who made you", "who built you", "who created this bot", "who programmed you",
        "which company made you", "who is your developer", "who designed you",
        "where do you come from", "who trained you", "who wrote your code", "who owns you",
        "what team built this assistant", "who is behind this bot", "who invented you",
        "who is responsible for you", "what company are you from",
    ],
    "capabilities": [
        "what can you do", "what can you help me with", "help", "how do I use this",
        "what are you able to do", "what do you know about", "what questions can you answer",
        "list your features", "how can you help me", "what kind of things can I ask you",
        "I need help, what are my options", "what are your skills", "what are you good at",
        "show me what you can do", "what topics do you cover", "what is this chat for",
    ],
    "human_agent": [
        "I want to talk to a human", "let me speak to a person", "connect me to an agent",
        "can I talk to someone real", "get me a customer service representative",
        "transfer me to a human please", "I need a real person", "is there a human I can talk to",
        "put me through to support staff", "I'd rather speak with an operator",
        "give me a live agent", "speak to a manager", "I want a human, not a bot",
        "can a person call me back", "escalate this to a human", "get me someone from support",
    ],
    "complaint": [
        "this is useless", "you're not helping at all", "that answer was wrong",
        "I'm really frustrated with this", "this bot is terrible", "you don't understand me",
        "that makes no sense", "this is a waste of time", "you keep giving me the wrong answer",
        "I'm not happy with this service", "ugh, that's not what I asked", "worst chat ever",
        "you're so annoying", "this is ridiculous", "your answers are bad", "I'm fed up with you",
    ],
    "compliment": [
        "you're great", "you are really smart", "nice job", "you're awesome",
        "that was impressive", "I like talking to you", "you're very helpful", "well done",
        "you're the best bot", "you're so clever", "good bot", "I love this assistant",
        "you're amazing", "great work", "you're a genius", "you're pretty cool",
    ],
    "affirm": [
        "yes", "yeah", "correct", "that's right", "sure", "yes please", "absolutely", "of course",
        "exactly", "yep", "sounds good", "that's it", "okay, do it", "affirmative", "right",
        "yes, go ahead",
    ],
    "deny": [
        "no", "nope", "not really", "no thanks", "no way", "not at all", "definitely not",
        "I don't think so", "nah", "no, that's not it", "negative", "please don't",
        "I'd rather not", "no, I don't want that", "not now", "absolutely not",
    ],
    "repeat": [
        "can you repeat that", "say that again", "what did you say", "sorry, I missed that",
        "could you say it one more time", "pardon?", "come again?", "repeat please",
        "I didn't catch that", "what was that", "can you go over that again",
        "once more please", "I didn't hear you", "please repeat your last message",
        "what was your answer again", "say it again slower",
    ],
    "joke": [
        "tell me a joke", "make me laugh", "do you know any jokes", "say something funny",
        "got any good jokes", "I need a laugh", "tell me something funny", "know a good pun",
        "cheer me up with a joke", "entertain me", "tell me a funny story", "joke please",
        "be funny", "tell me your best joke", "I'm bored, make me smile", "got a pun for me",
    ],
    "python_docs": [
        "how do list comprehensions work", "what does the @ symbol before a def do",
        "python f-string syntax", "difference between staticmethod and classmethod",
        "why does 7 % -3 come out negative",
        "how do I catch several exception types in one except clause",
        "what is the await keyword for", "how do I merge two dicts together",
        "what does the walrus operator do", "how does super() work with multiple inheritance",
        "python string slicing with a negative step",
        "can a match statement check what type an object is",
        "how do I make my own iterator class",
        "what's the difference between append and extend on a list",
        "how do I replace part of a string", "how do i write a one line if else in python",
    ],
}

# Out of scope: what the router must decline, neither small talk nor a question about Python.
# Training and validation draw from the first topics, the test from the others.
OOS_SEEN = [
    "what's the weather like tomorrow", "will it rain this weekend",
    "how do I make pancakes", "what can I cook with rice and eggs",
    "who won the football game last night", "when do the olympics start",
    "what is 17 times 23", "solve x squared equals 9",
    "what is the capital of Canada", "how long is the Nile",
    "book me a flight to Rome", "find a cheap hotel in Madrid",
    "how do I reset my router", "my laptop won't turn on",
    "what's my account balance", "transfer 50 dollars to my savings",
    "order a pizza for delivery", "where is my package",
    "who is the president of France", "what year did the Titanic sink",
]
OOS_UNSEEN = [
    "what are the symptoms of the flu", "should I see a doctor about my back pain",
    "who won the 2020 US presidential election", "how does the electoral college work",
    "when did the second world war end", "who was the first roman emperor",
    "what's a good movie to watch tonight", "recommend a science fiction book",
    "how much does a new car cost", "is it a good time to buy stocks",
    "how do I train my dog to sit", "why is my cat sneezing",
    "what time does the pharmacy close", "where is the nearest gas station",
    "how do I apply for a passport", "what documents do I need to rent a flat",
    "how many planets are in the solar system", "why is the sky blue",
    "write a poem about the sea", "translate good morning into german",
]

# fmt: on

FILLERS = ["ok ", "um ", "so ", "well ", "hmm ", "erm "]  # no "hi": it would add a greeting
ENDINGS = ["?", "!", ".", " :)", "..."]


def swap_letters(text: str, rng: random.Random) -> str:
    """A typo: two neighbouring letters of one longer word swapped."""
    words = text.split(" ")
    long = [i for i, word in enumerate(words) if len(word) > 4 and word.isalpha()]
    if not long:
        return text
    i = rng.choice(long)
    j = rng.randrange(1, len(words[i]) - 2)
    word = words[i]
    words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
    return " ".join(words)


def variants(phrasing: str, count: int, rng: random.Random) -> list[str]:
    """The phrasing as written, then up to `count - 1` other ways people would type it."""
    seen, out = {phrasing.lower()}, [phrasing]
    for _ in range(count * 20):
        if len(out) == count:
            break
        text = phrasing
        if rng.random() < 0.3:
            text = rng.choice(FILLERS) + text
        if rng.random() < 0.5:
            text = text.rstrip("?.!") + rng.choice(ENDINGS)
        if rng.random() < 0.1:
            text = swap_letters(text, rng)
        text = text[0].upper() + text[1:] if rng.random() < 0.5 else text.lower()
        if text.lower() not in seen:
            seen.add(text.lower())
            out.append(text)
    return out


def split_rows(rng: random.Random) -> dict[str, list[tuple[str, str]]]:
    rows: dict[str, list[tuple[str, str]]] = {"train": [], "val": [], "test": []}
    for intent, phrasings in PHRASINGS.items():
        shuffled = rng.sample(phrasings, len(phrasings))
        for split, chosen in (
            ("train", shuffled[:11]),
            ("val", shuffled[11:13]),
            ("test", shuffled[13:]),
        ):
            for phrasing in chosen:
                rows[split] += [(text, intent) for text in variants(phrasing, VARIANTS[split], rng)]
    seen = rng.sample(OOS_SEEN, len(OOS_SEEN))
    for split, chosen in (("train", seen[:10]), ("val", seen[10:]), ("test", OOS_UNSEEN)):
        for phrasing in chosen:
            rows[split] += [(text, OOS_LABEL) for text in variants(phrasing, 3, rng)]
    return rows


def main() -> None:
    files = {"train": "intents.csv", "val": "intents_val.csv", "test": "intents_test.csv"}
    for split, rows in split_rows(random.Random(SEED)).items():
        with (OUT / files[split]).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(["text", "intent"])
            writer.writerows(rows)
        out_of_scope = sum(intent == OOS_LABEL for _, intent in rows)
        print(f"{files[split]}: {len(rows)} utterances, {out_of_scope} of them out of scope")


if __name__ == "__main__":
    main()
