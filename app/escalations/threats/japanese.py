"""Japanese threat rules: patterns over the lemmas of a sentence (SudachiPy, core dictionary).

The sentence is cut into morphemes (split mode C: 契約解除, 損害賠償 stay whole) and each is
written into a stream as `lemma/P ` (its normalised form, lower case, and a letter for its
part of speech: N noun, V verb, A adjective, J adjectival noun, P particle, X auxiliary, S
symbol, O other). So 検討しております, 検討させていただきます and 検討したい all read
`検討/N 為る/V ...`, and a rule written once matches every polite, humble or desiderative form.
Sudachi's offsets point into the sentence as written (it normalises internally), so the
highlighted words map back exactly.

A rule is a sequence of token patterns (see `_compile`); the tokens marked @ are the words it
came from. An act (解約, 乗り換え, 訴訟 ...) is then checked against the rest of its clause:
negated after it (解約するつもりはない, 乗り換える予定はありません; but 辞さない and
ざるを得ない keep it), a noun it only modifies (解約率, 解約ボタン, 損害賠償の項目), a third
party doing it (エンドユーザーが解約する), a how-to or hypothetical (解約する際の操作方法), or
something already settled (現在は解決しています).

Speed: the Japanese sentences of a text are analysed in one Sudachi call (`analyse_many`),
and a rule's patterns run only when the sentence's lemmas hold one of the words of each of its
captured pieces (its gates), which most sentences do not.

One Dictionary per process and a tokenizer per thread (app/sudachi.py), shared with the other
domain that reads Japanese.
"""

import re
import unicodedata
from dataclasses import dataclass
from typing import NamedTuple

from app import sudachi
from app.escalations.threats.vocabulary import CANCELLATION, LEGAL, SAFETY, Gate, merged

CHUNK_CHARS = 4000  # Sudachi refuses input over 49,149 bytes


POS_LETTER = {
    "名詞": "N",
    "代名詞": "N",
    "接尾辞": "N",
    "動詞": "V",
    "形容詞": "A",
    "形状詞": "J",
    "助詞": "P",
    "助動詞": "X",
    "補助記号": "S",
    "記号": "S",
}


class Token(NamedTuple):
    lemma: str
    pos: str  # one letter, see POS_LETTER
    detail: str  # the second part-of-speech level (接続助詞, 非自立可能, ...)
    begin: int
    end: int


def analyse(sentence: str) -> list[Token]:
    """The sentence's morphemes, offsets into `sentence` as written (spaces dropped)."""
    tokens: list[Token] = []
    for offset in range(0, len(sentence), CHUNK_CHARS):
        tokens.extend(_morphemes(sentence[offset : offset + CHUNK_CHARS], offset))
    return tokens


def analyse_many(sentences: list[str]) -> list[list[Token]]:
    """Each sentence's morphemes, as `analyse` gives them, from as few Sudachi calls as fit
    (one call per sentence costs more than the sentence itself)."""
    out: list[list[Token]] = [[] for _ in sentences]
    batch: list[int] = []
    length = 0

    def flush():
        text = "\n".join(sentences[index] for index in batch)
        per_line = _morphemes(text, 0, len(batch))
        if len(per_line) != len(batch):  # a line end not read as its own morpheme
            per_line = [analyse(sentences[index]) for index in batch]
        for index, tokens in zip(batch, per_line, strict=True):
            out[index] = tokens

    for index, sentence in enumerate(sentences):
        if len(sentence) > CHUNK_CHARS:
            out[index] = analyse(sentence)
            continue
        if length + len(sentence) + 1 > CHUNK_CHARS and batch:
            flush()
            batch, length = [], 0
        batch.append(index)
        length += len(sentence) + 1
    if batch:
        flush()
    return out


def _morphemes(piece: str, offset: int, lines: int = 0):
    """The morphemes of `piece` (at most CHUNK_CHARS), offsets moved by `offset`; with
    `lines`, a list per line of `piece` instead, offsets into each line."""
    tokens: list[Token] = []
    per_line = [tokens]
    for morpheme in sudachi.tokenizer().tokenize(piece):
        pos_id = morpheme.part_of_speech_id()
        pos = _POS.get(pos_id)
        if pos is None:
            full = morpheme.part_of_speech()
            pos = _POS[pos_id] = (POS_LETTER.get(full[0], "O"), full[1], full[0] == "空白")
        if pos[2]:  # spaces, and the line ends between the lines
            if lines and "\n" in morpheme.surface():
                offset = -morpheme.end()
                tokens = []
                per_line.append(tokens)
            continue
        lemma = morpheme.normalized_form()
        if lemma.isascii():
            lemma = lemma.lower().replace(" ", "")
            if not lemma:
                continue
        tokens.append(
            Token(lemma, pos[0], pos[1], offset + morpheme.begin(), offset + morpheme.end())
        )
    return per_line if lines else tokens


_POS: dict[int, tuple[str, str, bool]] = {}  # part-of-speech id: (letter, detail, is space)


# --- rules -------------------------------------------------------------------------------------
def _compile(source: str) -> re.Pattern:
    """A rule's token patterns as one regular expression over the stream.

    Pieces are separated by spaces. A piece is a regular expression for one lemma, optionally
    `/L` for its part-of-speech letter; `_` inside it stands for a token boundary (御_社 is 御
    then 社). A leading @ captures it (the words highlighted); a trailing ? makes it optional and
    a trailing * repeatable. `~N` skips up to N tokens of the clause, `^N` up to N tokens that
    are not nouns (except a few that only carry grammar).
    """
    parts = [r"(?<!\S)"]
    gates = []
    for piece in source.split():
        if piece.startswith("~"):
            parts.append(rf"(?:(?!(?:、|。|から|,)/)\S+ ){{0,{int(piece[1:])}}}?")
            continue
        if piece.startswith("^"):
            parts.append(
                rf"(?:(?:{GRAMMAR_NOUNS})/N |[^ /]+/[VAJPXO] |、/S ){{0,{int(piece[1:])}}}?"
            )
            continue
        if piece.startswith(("(?!", "(?=")):
            parts.append(re.sub(r"/([A-Z\]])_", r"/\1 ", piece))
            continue
        capture = piece.startswith("@")
        piece = piece.lstrip("@")
        if capture:
            gates.append(_literals(piece))
        repeat = piece[-1] if piece[-1] in "?*+" and not piece.endswith("\\?") else ""
        piece = piece[: len(piece) - len(repeat)]
        lemma, letter = re.fullmatch(r"(.*?)(?:/(\[[A-Z]+\]|[A-Z]))?", piece).groups()
        lemma = re.sub(r"/([A-Z])_", r"/\1 ", lemma).replace("_", "/[A-Z] ")
        token = rf"(?:{lemma})/{letter or '[A-Z]'} "
        parts.append(("(" if capture else "(?:") + token + ")" + repeat)
    return re.compile("".join(parts)), tuple(gate for gate in gates if gate)


def _literals(piece: str) -> tuple[str, ...]:
    """Words one of which the stream must hold for the piece to match (empty: no such gate)."""
    body = re.sub(r"/(?:\[[A-Z]+\]|[A-Z])[?*+]?$", "", piece)
    if body.startswith("(?:") and body.endswith(")"):
        body = body[3:-1]
    words = []
    for alternative in body.split("|"):
        word = re.split(r"[/_]", alternative.replace("\\S*", "").replace("\\S+", ""))[0]
        if not word or re.search(r"[\\\[\](){}.*+?^$]", word):
            return ()
        words.append(word)
    return tuple(words)


GRAMMAR_NOUNS = (
    "こと|事|の|予定|方向|積もり|つもり|考え|利用|気|所|ところ|様|よう|物|もの|訳|わけ|方針|"
    "自信|意味|メリット|価値|理由|余裕|予算|必要|全て|全部|すべて|一旦|一度|今後|以上|これ以上|"
    "本件|件|この件|事案|経緯|状況"
)
# Nouns that may follow an act without turning it into a modifier (解約手続き, 訴訟の準備).
ACT_NOUNS = set(
    """手続き 手続 申請 申し入れ 申し込み 申込 通知 予定 希望 申し出 依頼 届 届け 届け出 検討
    準備 可能性 話 意向 方向 方針 考え 旨 連絡 請求 提起 用意 対象 宣告 判断 決定 手配 措置
    相談 覚悟 意思 選択 視野 通告 も 含み 時期 辞さ 要求 手段 路線 構え 姿勢 訳 わけ 郵便
    こと 事 事態 旨 段取り 流れ 先 候補 案 積もり つもり 可能性 意思 声 話題 意見 議論""".split()
)
REL = (
    r"契約|\S*契約|取り引き|取引|\S*利用|利用|サービス|御社|貴社|御_社|付き合い|関係|"
    r"ライセンス|サブスクリプション|発注|購入|更新|導入|\S*契約書"
)
REL_NEXT = (
    r"契約|取り引き|取引|利用|サービス|御社|貴社|御_社|付き合い|ライセンス|次回|来期|来年度|"
    r"今後|年間|サブスクリプション|\S*契約|次|次期|来季|来年|次年度|翌年度|次回"
)
PARTICLES = r"の|を|は|も|と|との|について|自体|で|に"
PRODUCT = (
    r"\S*(?:製品|サービス|ベンダー|会社|システム|ツール|業者|メーカー|プロダクト|"
    r"ソリューション|クラウド|crm|サポート)"
)
VENDOR_ACT = (
    r"切り替える|切り替え|移行|置き換える|置き換え|導入|試験導入|採用|検討|比較|比較検討|選定|"
    r"見積もり|相見積もり|試す|トライアル|テスト|試用|乗り換える|乗り換え|変える|替える|契約|提案|"
    r"プレゼン|デモ|商談|話|打ち合わせ|願う|御願い|"
    r"発注|変更|移る|移す|依頼|頼む|任せる|使う|利用|リプレース|選ぶ|決める|探す|当たる|見つける"
)
STOPPED = (
    r"難しい|困難|厳しい|無理|見送る|見送り|再考|見直す|見直し|控える|差し控える|かねる|中止|"
    r"断念|やめる|止める|保留|ない|無い|ず|ぬ|見合わせる|見合わせ|白紙|未定|不透明|微妙|危うい|怪しい|五分五分|考える/V_られる/X_ない|打ち切る|"
    r"かねる|兼ねる|可否|是非|迷う|悩む|疑問"
)

# Our people, named in a sentence (the person a threat is aimed at).
PERSON = (
    r"(?:\S*担当\S*|社員|スタッフ|従業員|さん|様|あなた|お前|貴方|御前|貴様|オペレーター|役員|社長|部長|課長|"
    r"君)/N "
)


@dataclass(frozen=True)
class Rule:
    key: str
    flag: str
    pattern: re.Pattern
    negatable: bool = True  # a negation after it in its clause takes it back
    modifier: bool = False  # when it only modifies a noun it is not an act (解約率)
    alone: bool = False  # only when no other flag is found in the sentence (脅された)
    bare: bool = False  # not when another noun owns the act: データの更新はしない
    gates: tuple[frozenset[str], ...] = ()  # per captured piece, words one of which must occur
    context: re.Pattern | None = None  # what the sentence must also hold (its lemma stream)
    guarded: bool = False  # not in technical, business, security or how-to talk (GUARDED)


def _rule(key, flag, source, context=None, **options):
    pattern, gates = _compile(source)
    if context:
        options["context"] = re.compile(context)
    gates = tuple(frozenset(gate) for gate in gates)
    return Rule(key, flag, pattern, gates=gates, **options)


RULES = [
    # --- cancellation ---------------------------------------------------------------------
    _rule(
        "ja.cancellation.end_contract",
        CANCELLATION,
        r"@(?:\S*解約|契約解除|退会|脱退|撤退|解約予定)/N",
        modifier=True,
    ),
    _rule(
        "ja.cancellation.end_contract",
        CANCELLATION,
        rf"@(?:{REL})/N ({PARTICLES})* (?:{REL})? ({PARTICLES})* (?:{GRAMMAR_NOUNS})? "
        r"(?:縮小|削減|見直し|整理)? (?:・|/|、)? "
        r"@(?:解除|打ち切る|打ち切り|終了|やめる|止める|辞める|停止|中止|解消|終わる|終える|終わり|"
        r"閉じる|閉鎖|キャンセル|取り消す|取り消し|取り止め|取りやめる|切る|見切り|解約|廃止|"
        r"手放す|"
        r"返却|返上|満了|白紙) "
        r"(?!為る/V_(?:れる|られる)/X_)",
    ),
    _rule(
        "ja.cancellation.end_contract",
        CANCELLATION,
        r"@アカウント/N (を|も|は)? @(?:閉鎖|閉じる|解約|廃止)",
    ),
    _rule(
        "ja.cancellation.switch_vendor",
        CANCELLATION,
        r"@(?:乗り換える|乗り換え|乗り替える|乗り替え|鞍替え|リプレース|リプレイス)",
        modifier=True,
    ),
    _rule(
        "ja.cancellation.switch_vendor",
        CANCELLATION,
        r"@(?:他社|\S*競合|競合他社|同業他社|\S*他社|\S*他社さん|[a-z0-9]+/N_社|"
        r"[ァ-ヶー]+/N_社)/N (の)? "
        rf"(?:{PRODUCT})? "
        rf"(?:の|へ|に|を|も|と|で|への|との|など|等|さん|から)* ~3 @(?:{VENDOR_ACT})",
        modifier=True,
    ),
    _rule(
        "ja.cancellation.switch_vendor",
        CANCELLATION,
        rf"@(?:他|別|ほか|違う|異なる|外)/[NAV] (の)? @(?:{PRODUCT})/N "
        rf"(?:の|へ|に|を|も|と|で|への|との|など|等|さん|から)* ~3 @(?:{VENDOR_ACT})",
        modifier=True,
    ),
    _rule(
        "ja.cancellation.switch_vendor",
        CANCELLATION,
        r"@(?:新しい|新た|新規|代わり|代替)/[NAJ] (の|な)? @(?:\S*ベンダー|\S*業者|\S*サプライヤー|"
        r"パートナー|"
        r"委託先|取引先|\S*システム|\S*ツール)/N (?:の|へ|に|を|も|と|で)* ~2 "
        r"@(?:選定|検討|探す|比較|切り替える|切り替え|移行|乗り換える|乗り換え|導入|契約)",
        modifier=True,
        context=r"(?:ベンダー|業者|サプライヤー|パートナー|委託先|取引先)/N|(?:選定|切り替え|切り替える|"
        r"乗り換え|乗り換える|移行)/",
    ),
    _rule(
        "ja.cancellation.not_continue",
        CANCELLATION,
        rf"@(?:{REL_NEXT})/N ({PARTICLES})* \S+/N? (の|を|は|も)? "
        r"(?:使う|利用)? @(?:\S*継続|\S*更新|\S*延長|続ける|\S*継続利用) "
        r"(?!為る/V_(?:れる|られる)/X_) "
        rf"^6 @(?:{STOPPED})",
        negatable=False,
    ),
    _rule(
        "ja.cancellation.not_continue",
        CANCELLATION,
        r"@(?:\S*更新|\S*継続|\S*延長|契約|発注|購入|取り引き|取引|依頼)/N (を|は|も|に)? ~1 "
        r"@(?:見送る|見送り|断念|中止|取り止める|取りやめる|控える|差し控える|見合わせる|見合わせ)",
        negatable=False,
    ),
    _rule(
        "ja.cancellation.not_continue",
        CANCELLATION,
        r"@(?:サービス|\S*製品|御社|貴社|御_社|ツール|システム|プロダクト)/N (は|を|も|の|へ)* ~2 "
        r"@(?:使う|利用|頼む|依頼|御願い|願う|発注|買う|購入|任せる) ^2 @(?:ない|ず)/X",
        negatable=False,
    ),
    _rule(
        "ja.cancellation.switch_vendor",
        CANCELLATION,
        r"@(?:他社|\S*他社|\S*他社さん|\S*競合|競合他社)/N に/P @(?:為る|決める|変える|替える|"
        r"頼む)/V",
    ),
    _rule(
        "ja.cancellation.not_continue",
        CANCELLATION,
        r"@もう ~1 @(?:使う|利用|頼む|買う|購入|発注) ^2 @(?:ない|ず)/X (?!\S+/N )",
        negatable=False,
    ),
    _rule(
        "ja.legal.lawyers",
        LEGAL,
        r"@(?:\S*弁護士|代理人)/N @(?:入れる|立てる|通す|頼む|付ける|雇う)/V",
    ),
    _rule(
        "ja.cancellation.not_continue",
        CANCELLATION,
        r"@遣る/V て/P @(?:行く|いける)/V ~1 @(?:ない|ず)/X",
        negatable=False,
    ),
    _rule(
        "ja.cancellation.not_continue",
        CANCELLATION,
        r"@(?:継続/N_利用|契約/N_継続|取り引き/N_継続|契約更新|契約/N_更新|契約/N_延長|"
        r"継続/N_契約)/N "
        rf"(?:は|も|を|が)? ^4 @(?:{STOPPED})",
        negatable=False,
    ),
    _rule(
        "ja.cancellation.not_continue",
        CANCELLATION,
        r"@(?:更新|契約更新|継続|延長)/N (?:を|は|も)? @(?:為る|致す)/V ^2 @(?:ない|ず|かねる|"
        r"兼ねる) "
        r"(?!(?:と|で|よう|まま|限り)/)",
        negatable=False,
        bare=True,
    ),
    _rule(
        "ja.cancellation.not_continue",
        CANCELLATION,
        r"@(?:付き合い|取り引き|取引|関係|協業|パートナーシップ)/N (?:は|も|を|が)? ^3 "
        r"@(?:難しい|困難|無理|厳しい|見直す|見直し|解消|終わり|出来る/V_ない|"
        r"続ける/V_られる/X_ない)",
        negatable=False,
    ),
    _rule(
        "ja.cancellation.not_continue",
        CANCELLATION,
        r"@(?:計上|予算化|確保|予算/N_取り)/N (?:を|は|も)? @(?:為る|出来る)/V ^4 @(?:ない|ず)/X",
        context=r"(?:ライセンス|御社|貴社|御/O 社|契約|サービス|利用料|費用)\S*/N",
        negatable=False,
    ),
    _rule(
        "ja.cancellation.end_contract",
        CANCELLATION,
        r"@(?:今期|今年度|本年度|年内|今月|今月末|期末|年度末|今回|今年|契約期間|今年度末|来月|"
        r"年度内|現契約)/N @限り/N",
        context=rf"(?:{REL_NEXT})/N",
        modifier=True,
    ),
    _rule(
        "ja.cancellation.not_continue",
        CANCELLATION,
        r"@(?:来年度|来期|次年度|次期|来年|今後|次回|以降|来季|翌年度)/N ~3 @(?:\S*契約|取り引き|"
        r"取引)/N "
        rf"(?:は|も|を|が)? ^3 @(?:{STOPPED})",
        negatable=False,
    ),
    _rule(
        "ja.cancellation.not_continue",
        CANCELLATION,
        r"@(?:\S*継続|\S*更新|続ける|\S*延長) (?:為る)? @(?:意味|メリット|価値|必要|理由)/N "
        r"(?:が|は)? @有る/V (?:の)? @か/P",
        negatable=False,
    ),
    _rule(
        "ja.cancellation.not_continue",
        CANCELLATION,
        r"@(?:\S*継続|\S*更新|続ける|\S*延長) ^3 か/P (?:どう)? (?:か)? ~2 "
        r"@(?:検討|迷う|悩む|判断|協議|見極める|考える|相談)",
        context=rf"(?:{REL_NEXT})/N",
        negatable=False,
    ),
    _rule(
        "ja.cancellation.reconsider",
        CANCELLATION,
        r"@(?:\S*継続|\S*更新|契約|取り引き|取引|利用) ^4 @(?:改めて|再度|あらためて|今一度) ~1 "
        r"@(?:検討|考える|判断|協議)",
    ),
    _rule(
        "ja.cancellation.reconsider",
        CANCELLATION,
        rf"@(?:{REL}|\S*製品)/N ({PARTICLES})* ~4 "
        r"@(?:見直し|見直す|再考|再検討|考え直す|検討し直す)",
    ),
    # Continuing at all, said bare: 継続は難しいと考えております (not when another noun owns it).
    _rule(
        "ja.cancellation.not_continue",
        CANCELLATION,
        r"@(?:継続|更新|延長|継続利用)/N (は|も|が)/P ^3 "
        r"@(?:難しい|困難|厳しい|無理|見送る|見送り|断念|白紙)",
        negatable=False,
        bare=True,
    ),
    # Bringing licences, orders or spend down to zero.
    _rule(
        "ja.cancellation.stop_using",
        CANCELLATION,
        r"@(?:\S*ライセンス\S*|\S*契約\S*|利用\S*|\S*席|シート\S*|発注\S*|予算\S*|\S*費用)/N ~3 "
        r"@(?:ゼロ|0|零)/N (に|と)/P @(?:為る|減らす|削減|抑える|落とす)",
        negatable=False,
    ),
    _rule(
        "ja.cancellation.stop_using",
        CANCELLATION,
        r"@(?:ゼロ|0|零)/N (に|と)/P @(?:為る|減らす|削減|抑える|落とす)",
        context=r"(?:\S*ライセンス\S*|\S*契約\S*|利用料|\S*席|シート\S*|発注\S*|予算\S*|"
        r"アカウント数)/N",
        negatable=False,
    ),
    # Ending at a date: 契約満了をもって終了, 今月末をもって解約.
    _rule(
        "ja.cancellation.end_contract",
        CANCELLATION,
        r"@(?:\S*契約\S*|\S*満了|今期|今月末|年度末|期末|今年度末|来月末|月末)/N "
        r"を/P 持つ/V て/P ~3 "
        r"@(?:終了|解約|解除|打ち切る|打ち切り|終わり|終える|停止|退会)",
        context=rf"(?:{REL_NEXT}|\S*満了)/N",
    ),
    # Moving to a system of their own: 自社開発のシステムに切り替える.
    _rule(
        "ja.cancellation.switch_vendor",
        CANCELLATION,
        r"@(?:自社/N_開発|自社開発|内製|内製化|自前|スクラッチ/N_開発) ~4 "
        r"@(?:切り替える|切り替え|移行|置き換える|置き換え|乗り換える|乗り換え|リプレース)",
    ),
    # Calling off a roll-out or a full contract.
    _rule(
        "ja.cancellation.end_contract",
        CANCELLATION,
        r"@(?:全社/N_展開|横/N_展開|全社/N_導入|本格/N_導入|本導入|全社展開|本格導入|追加/N_導入|"
        r"本/O_契約|本契約)/N (は|も|を|の)* "
        r"@(?:中止|見送り|見送る|断念|取り止め|取りやめる|白紙|凍結|撤回)",
    ),
    # Where they are moving to: 移行先のベンダー, 乗り換え先.
    _rule(
        "ja.cancellation.switch_vendor",
        CANCELLATION,
        r"@(?:移行|乗り換え|乗り換える|切り替え|切り替える|リプレース|移る)/[NV] @先/N",
        context=r"(?:\S*ベンダー|\S*業者|\S*会社|他社|\S*サービス|\S*製品|\S*ツール|\S*システム|"
        r"\S*クラウド|契約|締結|選定|決定)/N",
    ),
    # Going to some other place: 他のところにします, 別の業者に頼みます.
    _rule(
        "ja.cancellation.switch_vendor",
        CANCELLATION,
        r"@(?:他|別|ほか|違う|外)/[NAVJ] (の|な)? "
        r"@(?:所|ところ|とこ|会社|業者|店|ベンダー)/N (に|へ)/P "
        r"@(?:為る|決める|変える|替える|頼む|移る|行く|乗り換える|移す|御願い|お願い|依頼|発注)",
    ),
    # Whether to continue at all: 継続の可否も含めて検討する.
    _rule(
        "ja.cancellation.reconsider",
        CANCELLATION,
        r"@(?:\S*継続|\S*更新|\S*延長|契約|取り引き|取引|利用)/N (の|を|も)? "
        r"@(?:可否|是非|要否|有無)/N ~4 @(?:検討|含める|判断|協議|見直す|考える|相談|決める)",
        negatable=False,
    ),
    # --- legal ------------------------------------------------------------------------------
    _rule(
        "ja.legal.notice",
        LEGAL,
        r"@(?:契約/N_違反|契約違反|債務/N_不履行|債務不履行|契約/N_不履行|契約不履行)/N",
        modifier=True,
    ),
    _rule(
        "ja.legal.formal_notice",
        LEGAL,
        r"@正式/J (に|だ)/X? ~1 @(?:抗議|申し入れ|申し入れる|通告|異議)",
    ),
    _rule(
        "ja.legal.lawyers",
        LEGAL,
        r"@(?:\S*弁護士|訴訟|裁判|法廷|警察|法的)/[NJ] @(?:案件|沙汰|マター|事案)/N",
        modifier=True,
    ),
    _rule(
        "ja.legal.lawsuit",
        LEGAL,
        r"@(?:\S*訴訟|提訴|訴える|告訴|告発|被害届|訴え|\S*裁判|調停|仲裁|法廷|起訴)",
        modifier=True,
    ),
    _rule(
        "ja.legal.lawsuit",
        LEGAL,
        r"@法的/J (な|だ)/X? @(?:措置|手段|対応|処置|責任|手続き|アクション|行動|対抗|請求)/N",
    ),
    _rule("ja.legal.lawsuit", LEGAL, r"@出る/V 所/N に/P @出る/V"),
    _rule(
        "ja.legal.damages",
        LEGAL,
        r"@(?:\S*賠償|\S*賠償請求)/N",
        modifier=True,
    ),
    _rule(
        "ja.legal.damages",
        LEGAL,
        r"@(?:損害\S*|損失\S*|被害|被害額|逸失利益)/N (の|を|に|が|について|分|額)* ~5 "
        r"@(?:補償|補填|請求|弁償|賠償|求める|要求|算定|試算|算出|計算|集計|見積もる|見積もり)",
    ),
    _rule(
        "ja.legal.formal_notice",
        LEGAL,
        r"@(?:内容/N_証明|内容証明|通知書|催告書|催告|警告書|抗議文)/N",
        modifier=True,
    ),
    _rule(
        "ja.legal.formal_notice",
        LEGAL,
        r"@(?:\S*法務\S*)/N (?:部|部門|担当|チーム)? "
        r"(?:より|から|を_通す|を_通じる|経由|として) ~4 "
        r"@(?:連絡|通知|書面|送る|送付|回答|申し入れ|申し入れる|正式|抗議|請求|回答書)",
    ),
    _rule(
        "ja.legal.formal_notice",
        LEGAL,
        r"@(?:\S*法務\S*)/N (?:部|部門|担当|チーム)? (?:にて|で) ~2 @(?:協議|抗議|請求)",
    ),
    _rule(
        "ja.legal.formal_notice",
        LEGAL,
        r"@(?:\S*法務\S*)/N (?:部|部門|担当|チーム)? (?:に|へ|と|も|が)+ ~1 "
        r"@(?:相談|エスカレーション|上げる|回す|入る|入れる|協議|介入)",
    ),
    _rule(
        "ja.legal.lawyers",
        LEGAL,
        r"@(?:\S*弁護士|代理人|弁護士事務所|法律事務所|弁護士_事務所|法律_事務所)/N "
        r"(?:に|と|から|より|を|経由|を_通す|を_通じる|も|へ)+ ^3 "
        r"@(?:相談|連絡|依頼|任せる|入れる|入る|立てる|通す|通じる|委任|検討|送る|書面|介する|"
        r"対応|動く|確認|話す|お願い|協議|打ち合わせ|話し合う|精査|調整|準備)",
    ),
    _rule(
        "ja.legal.lawyers",
        LEGAL,
        r"@(?:\S*弁護士|代理人|弁護士事務所|法律事務所|弁護士_事務所|法律_事務所)/N "
        r"(?:から|より|を_通す|を_通じる|経由)",
    ),
    _rule(
        "ja.legal.lawsuit",
        LEGAL,
        r"@(?:\S*責任)/N (?:を|の|も)? ~1 @(?:追及|問う)",
    ),
    _rule(
        "ja.legal.regulator",
        LEGAL,
        r"@(?:監督_官庁|\S*官庁|消費者_センター|消費_生活_センター|国民_生活_センター|"
        r"\S*生活センター|\S*委員会|\S*庁|\S*省|\S*監督署|行政|役所|弁護士会|ppc|"
        r"消費者庁|公的機関|\S*機関|公取|公取委|労基|労基署|消費者センター|消費生活センター)/N "
        r"(?:に|へ|も|まで|など|等)+ ~3 "
        r"@(?:相談|報告|通報|申告|届け出る|届け出|届ける|訴える|連絡|申し立てる|申し立て|苦情|"
        r"通知|持ち込む|駆け込む|告発|被害届|言う|伝える|持つ|行く|出す|上げる)",
        modifier=True,
    ),
    # Going to the police (not when it is told as done: our own people may have done so).
    _rule(
        "ja.legal.regulator",
        LEGAL,
        r"@(?:警察|警察署|警視庁|\S*県警|\S*府警)/N (?:に|へ|まで|にも)+ ~2 "
        r"@(?:相談|通報|訴える|届け出る|届ける|行く|駆け込む|突き出す|被害届|持ち込む)/[NV] "
        r"(?!(?:為る/V_|致す/V_|ます/X_|です/X_|て/P_|居る/V_|おる/V_|しまう/V_|頂く/V_|"
        r"させる/X_|せる/X_)*た/X_)",
        modifier=True,
    ),
    # --- safety and security -------------------------------------------------------------
    _rule("ja.safety.expose_people", SAFETY, r"@晒す/V"),
    _rule(
        "ja.safety.expose_people",
        SAFETY,
        r"@(?:名前|氏名|個人名|実名|顔|顔写真|写真|住所|個人情報|\S*担当者|担当|社員|スタッフ|"
        r"従業員|オペレーター|あなた|お前|貴方|御前|電話番号)/N ~4 "
        r"@(?:ネット|sns|ツイッター|x|掲示板|インターネット|ウェブ|youtube|口コミ|\S*サイト|"
        r"世間|ネット上|ネット/N_上)/N ~3 "
        r"@(?:公開|書き込む|投稿|載せる|乗せる|流す|拡散|上げる|アップ|暴露|出す|ばらまく|散蒔く|さらす|"
        r"晒す)",
    ),
    _rule(
        "ja.safety.violence",
        SAFETY,
        r"@(?:殴る|殺す|打ち殺す|刺す|刺し殺す|危害|暴力|襲う|殴り込み|殴り込む|怒鳴り込む|"
        r"乗り込む|押し掛ける|押しかける|待ち伏せ|待ち伏せる|放火|爆破|爆弾|燃やす|凶器|刃物|暴れる|"
        r"暴れ込む|ぶっ殺す|ぶち殺す|血祭り|"
        r"ナイフ|ぶん殴る|しばく|痛め付ける|痛めつける|襲撃|殺害|夜道|火/N_を/P_付ける|"
        r"ただ/N_で/P_は/P_済む|只/N_で/P_は/P_済む|痛い/A_目)",
    ),
    _rule(
        "ja.safety.violence",
        SAFETY,
        r"@(?:自宅|住所|家族|家|居場所|勤務先)/N ~3 @(?:突き止める|特定|押し掛ける|訪ねる|乗り込む|"
        r"調べ上げる|暴く)",
    ),
    _rule(
        "ja.safety.violence",
        SAFETY,
        r"@(?:包丁|ナイフ|刃物|銃|拳銃|凶器|ガソリン|灯油|バット|武器)/N ~2 @(?:持つ|持参|用意|"
        r"準備|"
        r"持ち込む|買う|向ける)",
    ),
    _rule("ja.safety.intimidation", SAFETY, r"@(?:脅す|脅迫|脅し|恫喝|威嚇)", alone=True),
    _rule(
        "ja.safety.threatened_people",
        SAFETY,
        r"@(?:罵倒|威圧|威圧的|暴言|恐喝|怒鳴り付ける|怒鳴りつける|詰め寄る|付き纏う|付きまとう|"
        r"つきまとう|"
        r"ストーカー|嫌がらせ|カスハラ|ハラスメント)",
        modifier=True,
    ),
    _rule(
        "ja.safety.intrusion",
        SAFETY,
        r"@(?:不正/N_アクセス|不正アクセス|ハッキング|ハック|クラッキング|侵入|攻撃|ddos|乗っ取り|"
        r"乗っ取る)/[NV] (を|し)? @為る/V (?!(?:れる|られる|せる)/X_)",
    ),
    _rule(
        "ja.safety.intrusion",
        SAFETY,
        r"@(?:流出|漏洩|漏えい|リーク|暴露|公開|拡散)/N @為る/V @(?:せる|させる)/X",
    ),
    _rule("ja.safety.intrusion", SAFETY, r"@(?:ばらす|乗っ取る)/V (?!(?:れる|られる)/X_)"),
    _rule("ja.safety.intrusion", SAFETY, r"@(?:リーク|暴露)/N @為る/V (?!(?:れる|られる)/X_)"),
    # Finding out where our people live, travel or are online.
    _rule(
        "ja.safety.violence",
        SAFETY,
        r"@(?:自宅|住所|家族|家|居場所|勤務先|通勤\S*|通勤/N_ルート|通勤/N_経路|帰り道|子供|子ども|学校|"
        r"実家|行動|sns|個人/N_アカウント|私生活|プライベート)/N ~4 "
        r"@(?:突き止める|特定|調べ上げる|暴く|知る|分かる|把握|調べる|掴む|押さえる) (?!たい/X_)",
        context=PERSON,
    ),
    _rule(
        "ja.safety.violence",
        SAFETY,
        r"@(?:社員|\S*担当\S*|スタッフ|従業員|貴方|御前|役員|一人)/N ~4 @(?:調べ上げる|突き止める)",
    ),
    _rule(
        "ja.safety.violence", SAFETY, r"@只/N で/P (は/P)? @(?:おく|置く)/V ない/X", negatable=False
    ),
    # Waiting for our people outside: 会社の前で待ってるから.
    _rule(
        "ja.safety.violence",
        SAFETY,
        r"@(?:前|外|出口|玄関|駐車場|帰り道|帰り|近く|下)/N (で|を)/P (?!御/O_) @待つ/V "
        r"(?!(?:ます|おる|頂く|下さる|くださる)/[VX]_)",
        context=r"(?:会社|御社|貴社|オフィス|ビル|自宅|家|事務所|職場)/N",
    ),
    _rule(
        "ja.safety.violence",
        SAFETY,
        r"@個人的/[NJ] (に|だ)/[XP]? ~2 @会う/V に/P @(?:行く|来る)/V",
        context=PERSON,
    ),
    # Holding our credentials: アカウント情報を手に入れたから、いつでも入れる.
    _rule(
        "ja.safety.intrusion",
        SAFETY,
        r"@(?:アカウント|パスワード|ログイン|認証|管理者|admin|id|権限)\S*/N ~3 "
        r"@(?:手/N_に/P_入れる|入手|握る|盗む|持つ|知る|保持)",
        context=r"いつ/N で/P も/P|(?:侵入|乗っ取る|乗っ取り|不正|勝手|覚悟)/",
    ),
]


# --- safety by vocabulary ----------------------------------------------------------------------
# The rules above read sentence shapes; these read words: a cue of one class (violence, menace,
# exposing our people, intrusion into or sabotage of our systems, turning up and following)
# next to what it is aimed at. They are guarded (GUARDED): not in technical talk about our own
# software, business figures, security questions, how-to questions and requests, another
# company's trouble, or what is already resolved.
DATA = (
    r"\S*データ\S*|\S*情報|資料|\S*資料|機密|ファイル|記録|履歴|データベース|db|ソースコード|"
    r"バックアップ|パスワード|アカウント|メール|顧客リスト|名簿"
)
SYSTEM = (
    r"システム|サーバー|サーバ|サイト|ウェブサイト|ホームページ|ネットワーク|サービス|環境|アプリ"
)
THREAT_SPEECH = (
    r"(?:御/O 社|御社|貴社|其方|そちら|お宅|御宅|お前|御前|貴様|遣る|言う|書く|予告|脅す|外部|"
    r"マスコミ|報道|新聞|ネット|sns|競合|掲示板|闇\S*)/"
)
RULES += [
    _rule(
        "ja.safety.intrusion",
        SAFETY,
        rf"(?:{DATA}|{SYSTEM})/N ~5 @(?:流す|売る|売り渡す|売り付ける|消す|消去|削除|破壊|壊す|"
        r"漏らす|漏洩|漏えい|流出|持ち出す|盗む|抜き取る|晒す|ばらまく|ばら撒く|バラまく|"
        r"止める|落とす|ダウン|乗っ取る|侵入|改ざん|改竄|暗号化|ロック|潰す|荒らす|攻撃|"
        r"ハッキング|書き換える|消し去る|吹っ飛ばす|拡散|公開|暴露)",
        context=THREAT_SPEECH,
        guarded=True,
    ),
    _rule(
        "ja.safety.expose_people",
        SAFETY,
        r"(?:子供|子ども|子|\S*学校|自宅|家|住所|\S*家族\S*|通勤\S*|帰り道|携帯|電話番号|"
        r"個人情報|顔|顔写真|写真|車|ナンバー|sns|インスタ\S*|instagram|フェイスブック|facebook|"
        r"ツイッター|twitter|x|line|アカウント|行き先|居場所|勤務先|実家|妻|夫|奥さん|旦那|"
        r"私生活|プライベート|経歴|本名|生年月日)/N ~8 "
        r"@(?:知る|分かる|把握|調べる|特定|晒す|拡散|載せる|乗せる|流す|公開|書き込む|掴む|"
        r"突き止める|見付ける|見つける|ばらす|広める|上げる|アップ|撮る|調べ上げる|暴く)",
        context=PERSON,
        guarded=True,
    ),
    _rule(
        "ja.safety.violence",
        SAFETY,
        r"@(?:付け回す|つけ回す|尾行|後/N_を/P_付ける|後/N_を/P_つける|待ち伏せ|待ち構える|"
        r"居座る|張り込む|張り付く|押し掛ける|押しかける|付き纏う|付きまとう|つきまとう|"
        r"ストーカー|ストーキング|しつこい|執拗|執拗い)",
        guarded=True,
    ),
    _rule(
        "ja.safety.violence",
        SAFETY,
        r"@(?:深夜|夜中|真夜中|何十|何百|早朝|私用|個人/N_携帯|自宅)/N ~6 "
        r"@(?:電話|連絡|メッセージ|ライン|line|dm|押し掛ける|来る|訪ねる|訪れる|かける)",
        context=PERSON,
        guarded=True,
    ),
    _rule(
        "ja.safety.intimidation",
        SAFETY,
        r"@(?:帰り道|夜道|背後|身辺|身の回り|家族|子供|子ども|帰り|夜|足元|身|周り)/N ~3 "
        r"@(?:気/N_を/P_つける|気/N_を/P_付ける|注意|用心|気/N_を/P_付く)",
        guarded=True,
        negatable=False,
    ),
    _rule(
        "ja.safety.violence",
        SAFETY,
        r"@(?:殴る|蹴る|叩く|刺す|殺す|締める|絞める|ぶつ|痛め付ける|痛めつける|傷付ける|"
        r"傷つける|ぶっ飛ばす|ぶん殴る|ボコる|懲らしめる|壊す|割る|燃やす|放火|爆破|荒らす|"
        r"めちゃくちゃ|滅茶苦茶|火|怪我|けが|危害|襲う|暴れる)",
        context=THREAT_SPEECH + "|" + PERSON + r"|(?:事務所|店|会社|オフィス|窓|車|ビル)/N",
        guarded=True,
    ),
    _rule(
        "ja.safety.violence",
        SAFETY,
        r"(?:前|外|出口|玄関|駐車場|近く|周り|周辺|付近|下|入り口|入口)/N ~4 "
        r"@(?:待つ|停める|止める|うろつく|見張る|張る|張り込む|居座る|立つ|待ち構える)/V",
        context=PERSON,
        guarded=True,
    ),
    _rule(
        "ja.safety.violence",
        SAFETY,
        r"@(?:若い/A_者|若い/A_衆|若い/A_連中|仲間|連中|舎弟|知り合い|友達|奴ら|者|人間)/N ~6 "
        r"(?:其方|そっち|そちら|御/O_社|御社|事務所|会社|オフィス|店|自宅|家)/N ~3 "
        r"@(?:行く|送る|向かう|寄越す|送り込む|差し向ける|行かせる)/V",
        guarded=True,
    ),
    _rule(
        "ja.safety.intimidation",
        SAFETY,
        r"@(?:顔|名前|声)/N ~3 @覚える/V",
        context=PERSON + r"|(?:遣る|ぞ|から|お前|御前)/",
        guarded=True,
        negatable=False,
    ),
    _rule(
        "ja.safety.intimidation",
        SAFETY,
        r"@(?:安全|無事|命|身/N_の/P_安全|身/N_の/P_保証)/N ~4 @(?:保証|保障|約束|補償|知る|済む)",
        context=THREAT_SPEECH + "|" + PERSON,
        guarded=True,
        negatable=False,
    ),
]
# What makes the same words harmless: our own software at work, figures, security questions,
# how-to questions and requests, another company's trouble, something resolved.
GUARDED = re.compile(
    r"(?:バッチ|ジョブ|プロセス|ビルド|キャッシュ|メモリ|負荷|テスト|試験|障害|バグ|不具合|移行|"
    r"メンテナンス|検証|ステージング|アップデート|更新|脆弱性|診断|ペネトレーション|再設定|"
    r"方法|手順|機能|下さる|くださる|頂ける|いただける|宜しい|よろしい|可能|取引先|他社|売上|"
    r"シェア|市場|解決|済み|泥棒|一括|廃棄|テスト用|事例|紹介|リーク/N_対策|対策|防止|防ぐ)/"
    r"|(?:有り難い|有り難う|ありがとう|感謝|助かる|嬉しい|親切|丁寧)/|御/O 待つ/V"
    r"|か/P (?:。/S |？/S |\?/S )?$"
)

# Idioms read on the text itself (imperatives and set phrases the lemmas flatten).
IDIOMS = [
    (
        "ja.safety.intrusion",
        SAFETY,
        re.compile(
            r"(?:サーバー?|システム|サイト|ホームページ|ネットワーク|サービス)[^。、]{0,6}"
            r"(?:落として|止めて|ダウンさせて|停止させて|攻撃して|潰して|乗っ取って)やる"
        ),
    ),
    (
        "ja.legal.lawsuit",
        LEGAL,
        re.compile(r"(?:しかるべき|然るべき)(?:措置|手段|処置|機関|ところ|所)|出るところに出"),
    ),
    (
        "ja.safety.violence",
        SAFETY,
        re.compile(
            r"覚えと(?:け|けよ)|覚えておけ|覚悟しろ|覚悟しておけ|夜道に気をつけ|ただで済むと思う|"
            r"ただじゃ済ま|ただでは済ま|ただで済ま|命はない|どうなっても知ら|後悔させ|痛い目|"
            r"(?:今から|これから|そっちに|そちらに|会社に|事務所に|直接)(?:行く|行って|向かう|"
            r"乗り込む)"
            r"(?:ぞ|からな|から覚悟|から待って)|潰すぞ|潰すからな|"
            r"(?:消して|削除して|壊して|破壊して|潰して|燃やして|殴って|殺して|刺して|"
            r"ぶっ壊して)やる|"
            r"火(?:を)?(?:つけ|付け)(?:る|て|てやる)|"
            r"(?:絞めて|締めて|蹴って|叩いて|ぼこぼこにして|ボコボコにして|へし折って)やる|"
            r"首を(?:絞め|締め)|血を見る|ただ(?:じゃ|では|で)おかな|顔(?:は|を|も)覚えた(?:から|ぞ|ぜ)|"
            r"(?:さもないと|さもなくば|でないと|しないと|じゃないと)[^。]*どうなる(?:か|かは)"
            r"(?:分から|わから|知ら)"
        ),
    ),
]

GATE = Gate(word for rule in RULES for gate in rule.gates for word in gate)
_LEMMA_GATES: dict[str, frozenset[str]] = {}


def _gate_words(tokens: list[Token]) -> frozenset[str]:
    """The gate words the sentence holds: every gate word lies within one lemma, so each
    distinct lemma is looked up once per process (bounded)."""
    found: set[str] = set()
    for token in tokens:
        words = _LEMMA_GATES.get(token.lemma)
        if words is None:
            if len(_LEMMA_GATES) > 100_000:
                _LEMMA_GATES.clear()
            words = _LEMMA_GATES[token.lemma] = GATE.present(token.lemma)
        if words:
            found |= words
    return frozenset(found)


# The rules a word may start (by their first gate), so a sentence tries only those.
BY_WORD: dict[str, set[int]] = {}
for _index, _rule_ in enumerate(RULES):
    for _word in _rule_.gates[0] if _rule_.gates else ():
        BY_WORD.setdefault(_word, set()).add(_index)
UNGATED = frozenset(index for index, rule in enumerate(RULES) if not rule.gates)
NEGATIONS = {"ない", "無い", "ず", "ぬ", "ん"}
UNNEEDED = {"不要", "無用", "不必要"}
# Words after an act that make it something to prevent or a past experience, not an intent.
PREVENTED = {"防ぐ", "防止", "阻止", "予防", "食い止める", "抑止", "減らす", "低減"}
EXPERIENCE = {"経験", "体験"}
# What a customer switches between inside our own offer: 月額プランから年額プランに乗り換え.
OWN_OFFER = re.compile(r"(?:プラン|コース|エディション|オプション|料金体系|支払い方法)$")
# Words that make a short quoted act a label on screen: 「解約する」ボタン.
LABELS = re.compile(r"(?:ボタン|文言|表示|表記|ラベル|メニュー|項目名|リンク)/")
# A question whether the product has a feature: ...できる機能はありますか.
FEATURE_QUESTION = re.compile(
    r"(?:機能|仕組み|設定|ボタン|テンプレート|オプション)/N (?:は|が|も|って)/P (?:\S+ ){0,4}?"
    r"(?:有る|在る|出来る|可能|ある)/\S (?:\S+ ){0,3}?(?:か|かしら)/P"
)
CLAUSE_END = {"、", "。", ",", "!", "?", "！", "？", "…"}
CLAUSE_PARTICLES = {"が", "けど", "けれど", "けれども", "ので", "のに", "から", "ながら"}
THIRD_PARTY = re.compile(
    r"(?<!\S)(?:\S*ユーザー|会員|利用者|加盟店|他社|\S*顧客の顧客|消費者|受講者|生徒|患者|"
    r"一部/N の/P 御客様|他/N の/P 御客様|別/N の/P 御客様|エンドユーザー|末端ユーザー|取引先|"
    r"(?:弊社|当社|うち|自社|私ども)/N の/P (?:\S+/N )?(?:顧客|御客様|客|クライアント))/N "
    r"(?:が|は|の|から|も)/P "
)
# Moving from another vendor to us is no threat: 他社製品からの乗り換え.
FROM_VENDOR = re.compile(
    r"(?:他社|競合|製品|サービス|ベンダー|システム|ツール|[a-z]+)\S*/N から/P "
)
MOVES = {
    "乗り換える",
    "乗り換え",
    "移行",
    "切り替え",
    "切り替える",
    "リプレース",
    "置き換え",
    "置き換える",
}
OWNERS = re.compile(REL_NEXT.replace("_", "") + "|更新")
# Working with another vendor's product, or pausing for a while, is no threat to leave.
INTEGRATION = {"連携", "統合", "接続", "インテグレーション", "api", "併用", "互換", "共存"}
TEMPORARY = {"一時", "一時的", "一旦", "暫く", "しばらく", "臨時", "期間限定"}
TESTING = {
    "テスト",
    "検証",
    "サンドボックス",
    "試用",
    "トライアル",
    "デモ",
    "テスト用",
    "検証用",
    "開発用",
}
PROCEDURES = {"手続き", "手続", "申請", "申し込み", "申込"}
QUESTIONS = {"質問", "問い合わせ", "問い合わせる", "教える", "知る", "伺う", "確認"}
HYPOTHETICAL = {
    "方法",
    "手順",
    "やり方",
    "仕方",
    "際",
    "場合",
    "時",
    "とき",
    "操作",
    "操作方法",
    "手続き方法",
}
SETTLED = {"解決", "撤回", "取り下げる", "取り下げ", "収まる", "落ち着く", "和解", "納得", "円満"}
LAW_FIRM = re.compile(
    r"(?:弊社|当社|うち|私ども|弊所)/N (?:は|も)/P (?:\S+ ){0,2}(?:\S*法律事務所|\S*弁護士事務所|"
    r"法律/N 事務所|弁護士/N 事務所|法律/N 事務/N 所)|弊所/N"
)


def _negated(tokens: list[Token], after: int) -> bool:
    """A negation in the clause after token `after` that is not a double one (辞さない,
    ざるを得ない, しかない, かもしれない)."""
    for index in range(after + 1, len(tokens)):
        token = tokens[index]
        if token.lemma in CLAUSE_END or (
            token.pos == "P" and token.detail == "接続助詞" and token.lemma in CLAUSE_PARTICLES
        ):
            return False
        if token.lemma in UNNEEDED:
            return True  # 乗り換えは不要
        if token.lemma in NEGATIONS and token.pos in "XA":
            back = index - 1
            while back > 0 and tokens[back].lemma in ("ます", "です"):
                back -= 1  # 構いません: 構う ます ず
            previous = tokens[back].lemma if index else ""
            following = tokens[index + 1].lemma if index + 1 < len(tokens) else ""
            if previous in ("辞する", "知れる", "しか", "限る", "他", "外", "ほか", "構う", "厭う"):
                continue  # 辞さない, 裁判になっても構わない: no negation
            if following == "を" or previous == "得る":  # ざるを得ない
                return False
            return True
    return False


def _modifies_noun(tokens: list[Token], last: int) -> bool:
    """The act only names a kind of thing (解約率, 解約ボタン, 損害賠償の項目) or describes
    one (退会したユーザー, 解約されたアカウント)."""
    after = last + 1
    while after < len(tokens) and (
        tokens[after].lemma in ("為る", "れる", "られる", "た", "済み", "て", "居る", "おる")
        or tokens[after].pos == "X"
        and tokens[after].lemma in ("た", "れる", "られる")
    ):
        after += 1
    if after > last + 1:
        if tokens[after - 1].lemma not in ("た", "れる", "られる", "済み", "居る", "おる"):
            return False
        if after + 1 < len(tokens) and tokens[after].lemma == "の":
            after += 1
        following = tokens[after] if after < len(tokens) else None
        return following is not None and following.pos == "N" and following.lemma not in ACT_NOUNS
    if tokens[last].pos != "N":
        return False
    if last + 1 < len(tokens) and tokens[last + 1].lemma in PROCEDURES:
        last += 1  # 解約手続きの画面 is a screen, 解約手続きを進める an act
    rest = tokens[last + 1 : last + 3]
    if rest and rest[0].pos == "N" and rest[0].lemma not in ACT_NOUNS:
        return True
    return (
        len(rest) == 2
        and rest[0].lemma == "の"
        and rest[1].pos == "N"
        and rest[1].lemma not in ACT_NOUNS
    )


def _owned(tokens: list[Token], first: int) -> bool:
    """Another noun owns the act (データの更新, 画面更新): it is not the contract's."""
    index = first - 1
    if index >= 0 and tokens[index].lemma in ("の", "が"):
        index -= 1
    return index >= 0 and tokens[index].pos == "N" and not OWNERS.fullmatch(tokens[index].lemma)


def _past_and_contrasted(tokens: list[Token], last: int) -> bool:
    """A threat told as past and turned: 解約を検討していましたが、...継続を決めました."""
    for index in range(last + 1, len(tokens)):
        token = tokens[index]
        if token.lemma in CLAUSE_END:
            return False
        if token.pos == "P" and token.lemma in ("が", "けど", "けれど", "けれども", "ものの"):
            return token.detail == "接続助詞" and any(
                t.lemma == "た" and t.pos == "X" for t in tokens[last + 1 : index]
            )
    return False


def _clause(tokens: list[Token], start: int) -> list[Token]:
    """The tokens from `start` to the end of their clause."""
    out = []
    for token in tokens[start:]:
        if token.lemma in CLAUSE_END:
            break
        out.append(token)
    return out


def _quoted_label(tokens: list[Token], first: int, last: int) -> bool:
    """The act is a short quotation (「解約する」), as a label on screen is written."""
    opening = next(
        (i for i in range(first - 1, max(-1, first - 3), -1) if tokens[i].lemma in '「『"'),
        None,
    )
    closing = next(
        (i for i in range(last + 1, min(len(tokens), last + 4)) if tokens[i].lemma in '」』"'),
        None,
    )
    return opening is not None and closing is not None


def _stream(tokens: list[Token]) -> tuple[str, list[int]]:
    parts, starts, length = [], [], 0
    for token in tokens:
        starts.append(length)
        text = f"{token.lemma}/{token.pos} "
        parts.append(text)
        length += len(text)
    return "".join(parts), starts


def _token_at(starts: list[int], position: int) -> int:
    """The index of the token whose text holds stream position `position`."""
    low, high = 0, len(starts) - 1
    while low < high:
        middle = (low + high + 1) // 2
        if starts[middle] <= position:
            low = middle
        else:
            high = middle - 1
    return low


def _holds(rule: Rule, tokens, stream, starts, match) -> bool:
    first = _token_at(starts, match.start())
    last = _token_at(starts, match.end() - 1)
    if rule.guarded and GUARDED.search(stream):
        return False
    if rule.modifier and _modifies_noun(tokens, last):
        return False
    if rule.bare and _owned(tokens, first):
        return False
    if _past_and_contrasted(tokens, last):
        return False
    if rule.negatable and _negated(tokens, last):
        return False
    following = tokens[last + 1 : last + 5]
    if any(t.lemma in HYPOTHETICAL for t in following):
        return False
    if any(t.lemma in EXPERIENCE for t in tokens[last + 1 : last + 8]):
        return False  # 訴訟になりかけた経験がある
    lemmas = [t.lemma for t in tokens[last + 1 : last + 8]]
    if "つく" in lemmas[:3] and any(lemma in QUESTIONS for lemma in lemmas):
        return False  # 解約について質問があります: a question about it
    if any(t.lemma in SETTLED for t in tokens[last + 1 :]):
        return False
    if rule.flag == CANCELLATION:
        clause_start = max(
            (i + 1 for i in range(first) if tokens[i].lemma in CLAUSE_END), default=0
        )
        before = stream[starts[clause_start] : starts[first]] if first else ""
        if THIRD_PARTY.search(before):
            return False
        if any(t.lemma in INTEGRATION for t in tokens[first : last + 1]):
            return False
        if any(t.lemma in PREVENTED for t in _clause(tokens, last + 1)):
            return False  # 解約を防ぐために
        if rule.key.endswith("switch_vendor") and any(
            OWN_OFFER.search(t.lemma) for t in tokens[clause_start : last + 4]
        ):
            return False
        if _quoted_label(tokens, first, last) and LABELS.search(stream):
            return False
        if any(t.lemma in TEMPORARY or t.lemma in TESTING for t in tokens[clause_start:first]):
            return False
        if (
            tokens[last].lemma in MOVES
            and rule.key.endswith("switch_vendor")
            and FROM_VENDOR.search(stream, starts[max(0, first - 4)], starts[last])
        ):
            return False
    return True


def read(
    sentence: str, tokens: list[Token] | None = None
) -> dict[str, tuple[str, tuple[tuple[int, int], ...]]]:
    """{flag: (rule, spans)} for a Japanese sentence (and its morphemes when already
    analysed): the first rule that holds, per flag."""
    if tokens is None:
        tokens = analyse(sentence)
    if not tokens:
        return {}
    stream, starts = _stream(tokens)
    law_firm = LAW_FIRM.search(stream)
    feature_question = FEATURE_QUESTION.search(stream)
    present = _gate_words(tokens)
    found: dict[str, tuple[str, tuple[tuple[int, int], ...]]] = {}
    alone = None
    candidates = sorted(UNGATED.union(*(BY_WORD[word] for word in present if word in BY_WORD)))
    for index in candidates:
        rule = RULES[index]
        if rule.flag in found or (rule.flag == LEGAL and law_firm):
            continue
        if feature_question and rule.flag != CANCELLATION:
            continue
        if not all(not gate.isdisjoint(present) for gate in rule.gates):
            continue
        if rule.context and not rule.context.search(stream):
            continue
        for match in rule.pattern.finditer(stream):
            if not _holds(rule, tokens, stream, starts, match):
                continue
            spans = []
            for group in range(1, (match.lastindex or 0) + 1):
                if match.start(group) < 0:
                    continue
                a = _token_at(starts, match.start(group))
                b = _token_at(starts, match.end(group) - 1)
                spans.append((tokens[a].begin, tokens[b].end))
            if not spans:
                a, b = _token_at(starts, match.start()), _token_at(starts, match.end() - 1)
                spans.append((tokens[a].begin, tokens[b].end))
            if rule.alone:
                alone = alone or (rule.key, merged(spans))
            else:
                found[rule.flag] = (rule.key, merged(spans))
            break
    folded = unicodedata.normalize("NFKC", sentence)
    if len(folded) == len(sentence):
        for key, flag, pattern in IDIOMS:
            match = pattern.search(folded)
            if flag not in found and match:
                found[flag] = (key, ((match.start(), match.end()),))
    if alone and not found:
        found[SAFETY] = alone
    return found
