"""Words that say nothing about what a text is about, per language, lower case (ё written е).

English: the list BM25 has always used here. Russian: Snowball's Russian stop list
(snowballstem.org/algorithms/russian/stop.txt) without its numerals (один, два, три: questions count
things), plus the question words it lacks (сколько, каков, который, …) and это/также. Kazakh: the
conjunctions, postpositions, pronouns, auxiliaries, particles and question words of the language (no
Snowball list exists for it). Each list holds words of its own script, so the sets never collide.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


ENGLISH = _words(
    """a an and are as at be been by did do does for from had has have he her his how i in is it its of on
    or she that the their them they this to was were what when where which who whom whose why will with
    you your about into than then there these those also"""
)

RUSSIAN = _words(
    """и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее мне было
    вот от меня еще нет о из ему теперь когда даже ну вдруг ли если уже или ни быть был него до вас нибудь
    опять уж вам ведь там потом себя ничего ей может они тут где есть надо ней для мы тебя их чем была сам
    чтоб без будто чего раз тоже себе под будет ж тогда кто этот того потому этого какой совсем ним здесь
    этом почти мой тем чтобы нее сейчас были куда зачем всех никогда можно при наконец об другой хоть
    после над больше тот через эти нас про всего них какая много разве эту моя впрочем хорошо свою этой
    перед иногда лучше чуть том нельзя такой им более всегда конечно всю между
    это эта также сколько каков какова каково каковы какое какие каких каким какими какую какого какому
    каком который которая которое которые которого которой котором которым которых чей чья чье чьи
    почему откуда"""
)

KAZAKH = _words(
    """және мен пен бен да де та те ал бірақ немесе не әлде себебі өйткені егер яғни сондықтан сонда
    үшін туралы бойынша арқылы дейін шейін кейін соң бері бірге сияқты ретінде қарай жөнінде
    ол бұл сол осы мына анау мұнда онда сонда олар оның оны оған одан онымен біз сіз сен сіздер біздің
    сіздің менің сенің оларды олардың өз өзі өзінің
    бар жоқ емес еді екен болып болды болады болған болса ғана тек әр әрбір барлық бәрі тағы әлі енді
    да ма ме ба бе па пе ғой қой ше
    қандай қанша қашан қайда қайдан қайсы кім кімнің не неше нешеу неге қалай қай нені"""
)

BY_LANGUAGE = {"en": ENGLISH, "ru": RUSSIAN, "kk": KAZAKH}
