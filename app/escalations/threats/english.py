"""English threat rules: patterns of intent over a folded copy of the sentence.

The sentence is folded character by character (NFKC, lower case, curly apostrophes straight),
so offsets found in the folded copy map back to the sentence as written. A rule is a pattern
for an act and what it acts on ("terminate" + "the contract", "not" + "renew", "trial with"
+ "another provider"); its named groups are the words highlighted. Then the sentence must not
take it back: a negation just before the act ("we are not thinking of leaving", "no plans to
switch"), a how-to question, a third party doing it (one of our customers cancelled their
order), or a threat already settled ("that was resolved"). A family of patterns runs only when the
sentence holds one of its gate words (GATES), which most sentences do not.
"""

import re
import unicodedata
from dataclasses import dataclass

from app.escalations.threats.vocabulary import CANCELLATION, LEGAL, SAFETY, Gate, merged

# --- building blocks -------------------------------------------------------------------------
# Words that may stand between a verb and its object: "cancel our annual subscription".
DET = (
    r"(?:the|our|this|that|their|my|his|her|your|its|all|whole|entire|existing|current|"
    r"annual|yearly|monthly|multi-year|enterprise|premium|remaining|support|saas|[a-z]+'s)"
)
# What a threat to the relationship acts on.
RELATION = (
    r"(?:contracts?|subscriptions?|subscripti?on|agreements?|accounts?|acc?ou?nt|acct|services?|"
    r"partnerships?|relationships?|"
    r"licen[cs]es?|seats|plans?|deal|membership|engagement|renewal|msa|business with (?:you|your)"
    r"|(?:(?:your|this) )?(?:platform|product|software|tool|solution|system)"
    r"|(?:your|this) (?:company|firm|vendor)|you|us|everything|the rest|the remainder"
    r"|business(?! (?:trip|hours?|days?|unit|case|logic|rules?|plan|process|e-?mail|address|"
    r"account manager)))"
)
ACTOR = (
    r"(?:we|we'?ll|we'?re|we'?ve|we'?d|i|i'?ll|i'?m|i'?d|they|they'?ll|they'?re|they'?d|he|she|"
    r"he'?ll|she'?ll|he'?s|she'?s|customer|client|management|board|cfo|ceo|cto|cio|leadership)"
)
PEOPLE = (
    r"(?:us|me|you|him|her|them|someone|somebody|anyone|people|"
    r"(?:our|your|the|my|their|his|her) (?:\w+ )?(?:staff|agents?|employees?|people|team|"
    r"engineers?|reps?|representatives?|managers?|csms?|support|colleagues?|workers?|members?))"
)
OTHER_VENDOR = (
    r"(?:(?:a|an|another|other|some|several|different|alternative|rival|competing|new|the|your|"
    r"one of your|their|our|preferred|two|three|a few|a couple of|\d+)\s+)*"
    r"(?:(?:different|alternative|rival|competing|other|new)\s+)?(?:\w+\s+)?"
    r"(?:competitors?|competition|vendors?|providers?|suppliers?|partners?)"
    r"|(?:another|other|different|alternative|rival|competing|competitor'?s?)\s+(?:\w+\s+)?"
    r"(?:platforms?|tools?|products?|solutions?|systems?|crms?|compan(?:y|ies)|options|services?)"
    r"|alternatives?|elsewhere|one of your competitors|someone else|somebody else|"
    r"(?:someone|somebody|a company|a vendor|a provider) (?:else )?(?:who|that) (?:can|will|does)|"
    r"another (?:company|firm|team)|a new (?:\w+ )?(?:platform|tool|system|crm|solution|vendor|"
    r"provider|supplier|partner)|a replacement(?=\s*(?:[.,;!?]|$))|"
    r"(?:a |an )?replacement (?:crm|vendor|provider|supplier|platform|"
    r"tool|system|solution|product|for (?:you|your \w+))"
)
# Words after an act's object that make it a thing on screen: the "End contract" button.
UI_WORDS = (
    r"(?:page|button|field|screen|menu|link|settings?|id|number|name|owner|manager|team|report|"
    r"list|export|workflow|step|flow|form|feature|module|status|type|date|template|e-?mail|"
    r"option|tab|policy|policies|fee|fees|rate|dialog|modal|column|widget|api|endpoint)"
)
# Negations that take back the act when they stand just before it.
NEGATION = re.compile(
    r"\b(?:not|never|no|nor|none|nobody|neither)\b|no one|n't\b|\b(?:wont|dont|cant|arent|isnt)\b|"
    r"\bno (?:plans?|intention|desire|reason|interest)\b"
)
NEGATION_WORD = re.compile(
    r"won'?t|wont|can'?t|cannot|n't|\bnot\b|\bnever\b|no longer|against|unlikely|refuse|\bno\b"
)
# The main clause after a condition: "if it isn't fixed | we will ...".
CONDITION = re.compile(
    r"\b(?:if|unless|until|when|once)\b.*?\b(?:we|they|i|he|she|the customer)"
    r"(?:'ll|'d| will| would| are going to| shall| may| might| must| have to)\b"
)
# What a customer moves to another provider without leaving us: "our SSO provider to Okta".
THIRD_PARTY_SERVICE = re.compile(
    r"\b(?:provider|sso|idp|dns|e?mail|calendar|server|servers|hosting|database|domain|"
    r"password|payments?|bank|office|address|phone|laptops?|devices?|meeting|call|language|"
    r"locale|time ?zone|theme|currency|format|default|settings?|view|mode|plan|tier|layout|"
    r"font|keyboard|browser|date|day|deadline|time|schedule|renewal|meeting)s?\b"
)
# A threat told as past and then turned: "they considered switching, but the release won them back".
PAST = re.compile(
    r"\b(?:considered|thought about|(?:were|was) (?:considering|thinking|planning|going to|"
    r"about to)|"
    r"had (?:considered|planned|threatened|wanted|decided)|threatened|wanted|planned|used to|"
    r"last (?:year|quarter|month|week|time)|previously|at one point)\b"
)
TURNED = re.compile(
    r"\bbut\b|\bhowever\b|\buntil\b(?=(?:\s+[\w']+){0,6}?\s+(?:was|were|had|did|won|got|came|saw|"
    r"made|gave|took|\w+ed)\b)"
)
HOW_TO = re.compile(
    r"\bis there (?:a|an|any)\b(?=.*\b(?:feature|function|option|setting|way|button|template)\b)"
    r"|\bdo you (?:have|offer|support)\b|\bhow (?:do|can|could|would|should|to|does)\b|"
    r"\bwhat(?:'s| is| are) the (?:process|steps)\b"
    r"|\bsteps to\b|\bis there a way to\b|\bwhere (?:do|can) (?:i|we|they)\b"
    r"|\bwhy (?:did|does|do|is|was|has|have|won'?t|didn'?t|doesn'?t|isn'?t|can'?t|would)\b"
)
THIRD_PARTY = re.compile(
    r"\b(?:another|other|one of (?:our|your|their|my)|some of (?:our|your|their)|several of "
    r"(?:our|your|their)|many of (?:our|your|their)|a few of (?:our|your|their)|our own|"
    r"if an?|when an?|whenever an?)\s+(?:\w+\s+)?(?:customers?|clients?|users?|members?|"
    r"subscribers?|tenants?|buyers?|shoppers?|companies|accounts?)\b"
    r"|\b(?:our|the|their|my) (?:previous|former|old|last|prior|other) (?:\w+ )?(?:provider|vendor|"
    r"supplier|partner|crm|system|tool|platform)s?\b"
    r"|\b(?:end[- ]?users?|shoppers|subscribers|members|users)\s+"
    r"(?:can|cannot|can't|who|that|keep|are)\b"
)
# A person leaving (a job, the team) is not the customer leaving us.
PERSON = re.compile(
    r"\b(?:colleague|co-?worker|manager|boss|lead|admin|administrator|assistant|employee|intern|"
    r"contact|champion|sponsor|director|teammate|cfo|ceo|cto|vp)s? (?:is|are|was|will be)\b"
)
# The lookbehinds are tried only where a word starting with one of the phrases' first letters
# begins (all of them are zero-width at one position, so their order does not change what
# matches): 13 -> 3 µs a sentence.
SETTLED = re.compile(
    r"\b(?=[bcdnprsw])"
    r"(?<!not )(?<!n't )(?<!never )(?<!unless )(?<!until )(?<!until it's )(?<!until it is )"
    r"(?<!isn't )(?<!not fully )(?<!not yet )(?<!unless it's )(?<!if it's )(?<!gets )(?<!get )"
    r"(?:resolved|settled|withdr[ae]wn?|backed down|calmed down|sorted out|chose you|"
    r"picked you|selected you|went with you|decided to stay|(?:choosing|picking|selecting) you|"
    r"(?:still )?cho(?:o|)se you|"
    r"no longer (?:considering|thinking|planning|threatening)|were reassured|was reassured)\b"
)
# The writer takes back a threat in advance: "please don't read this as a threat".
NOT_A_THREAT = re.compile(
    r"\b(?:don'?t|do not|didn'?t|did not|never|not|wasn'?t|isn'?t)\s+(?:\w+\s+){0,2}?"
    r"(?:read|take|see|interpret|understand|mean|meant|intend\w*)\w*\s+(?:[\w']+\s+){0,5}?"
    r"(?:as|to be|to sound like|like)\s+(?:a\s+|any\s+)?(?:threat|threatening|ultimatum)"
)
LAW_FIRM = re.compile(
    r"\b(?:we are|we're|as|being|is) an? (?:\w+ )?"
    r"(?:law firm|legal practice|firm of (?:lawyers|attorneys)|(?:debt )?collections? agency|"
    r"legal (?:services|publisher|tech)|notary|paralegal \w+|compliance (?:consultancy|firm))"
    r"|\bare our bread and butter|\bour (?:core|daily) business\b"
    r"|\b(?:our|their) (?:litigation|legal|court|case|matters?) "
    r"(?:work|practice|cases|matters|clients|team uses)"
)


@dataclass(frozen=True)
class Rule:
    key: str
    flag: str
    pattern: re.Pattern
    negatable: bool = True  # a negation just before the act takes it back
    context: re.Pattern | None = None  # what the sentence must also hold
    proper: bool = False  # the object is a name: capitalised as written (Salesforce)
    gate: frozenset[str] | None = None  # its own gate words, instead of its family's (GATES)


def _rule(key, flag, pattern, negatable=True, context=None, proper=False, gate=None):
    context = re.compile(context) if context else None
    gate = frozenset(gate.split("|")) if gate else None
    return Rule(key, flag, re.compile(pattern), negatable, context, proper, gate)


RULES = [
    # --- cancellation -------------------------------------------------------------------------
    _rule(
        "en.cancellation.end_contract",
        CANCELLATION,
        r"\b(?P<v>cancel\w*|terminat\w*(?: of)?|end(?:s|ed|ing)?(?! of)|exit(?:s|ed|ing)?|"
        r"quit(?:s|ting)?|discontinu\w*|drop(?:s|ped|ping)?|"
        r"ditch\w*|dump\w*|leav(?:e|es|ing)|left|walk(?:s|ed|ing)? away from|"
        r"pull(?:s|ed|ing)? out of|back(?:s|ed|ing)? out of|get(?:ting)? out of|rescind\w*|"
        r"break(?:ing)? off|get(?:ting)? rid of|want(?:s|ed)? out of|sunset\w*|"
        r"offboard\w*(?: from)?|phas(?:e|es|ed|ing) out|decommission\w*|rip(?:ping)? out|"
        r"migrat\w* (?:off|away from)|mov\w* (?:off|away from)|get(?:ting)? off|"
        r"wind(?:ing)? down|opt(?:ing)? out of|pull(?:s|ed|ing)?(?= (?:the|our|their) (?:\w+ )?"
        r"(?:contract|subscription|agreement|business|deal|partnership)))"
        rf"(?:\s+{DET}){{0,3}}\s+(?P<o>{RELATION})\b(?!\s+{UI_WORDS}\b)",
    ),
    _rule(
        "en.cancellation.end_contract",
        CANCELLATION,
        rf"\b{ACTOR}\b(?:\s+(?:will|'ll|would|'d|are|is|'re|'s|am|'m|be|going to|gonna|want|"
        r"wants|wanted|plan|plans|planning|intend|intends|intending|decided|have|has|'ve|to|"
        r"like|seriously|now|definitely|probably|likely|about|ready|prepared|considering|"
        r"thinking|of|looking|at|threaten\w*|may|might|could|should|also|just|simply|"
        r"really|already|been|need|needs|must|then|ready|can|could|just|"
        r"(?:have|has|had|left with) no (?:choice|option|alternative) but to)){0,5}\s+"
        r"(?P<v>cancel(?:l?ing|s)?|terminat(?:e|ing)|leav(?:e|ing)|churn(?:ing)?|walk(?:ing)? away|"
        r"pull(?:ing)? out|pull(?:ing)? the plug|quit(?:ting)?|offboard(?:ing)?|opt(?:ing)? out|"
        r"back(?:ing)? out|part ways|want(?:s)? out|walk(?=\s*(?:[.!]|$)))"
        r"(?=\s*(?:[-.,;:!?\u2013\u2014]|$)|\s+(?:if|unless|because|at|in|next|this|by|when|"
        r"after|before|now|today|soon|effective|immediately|as|outright|altogether|entirely|"
        r"completely|then|over|on|for (?:cause|good|a competitor|another|someone)|early|under|"
        r"per|with|from|due|anyway|too|unless|us|you|"
        rf"(?:{DET}\s+){{1,2}}{RELATION}\b(?!\s+{UI_WORDS}\b))\b)",
    ),
    _rule(
        "en.cancellation.not_renew",
        CANCELLATION,
        r"\b(?P<n>won'?t|will not|wont|not going to|not be|not planning to|not looking to|"
        r"decided not to|decided against|do(?:n'?t| not) (?:want|intend|plan|expect) to|"
        r"does(?:n'?t| not) (?:want|intend|plan|expect) to|no longer|unlikely to|cannot|can'?t|"
        r"refuse to|no (?:intention|plans) (?:of|to)|not to|will no longer|(?:may|might|probably|"
        r"likely|possibly|perhaps) not|probably won'?t|not likely to|not in a position to|"
        r"not able to|unable to|do(?:n'?t| not)|rather (?:\w+ ){0,6}?than|"
        r"(?<!did )(?<!does )(?<!has )(?<!have )(?<!had )(?<!was )(?<!is )(?<!why )not)"
        r"(?:\s+\w+){0,3}?\s+"
        r"(?P<v>renew(?:s|ed|ing)?\b|sign(?:ing)? (?:the |a |our |any )?(?:renewal|extension|"
        r"new contract|contract)|re-?sign\w*|re-?up\b|extend\w*|continu\w*|stay(?:ing)?|"
        r"stick(?:ing)? with|keep(?:ing)? (?:using|paying)|proceed\w* with (?:the )?renewal|"
        r"work(?:ing)? with (?:you|your)|approv\w*|sign\w* off on|budget\w* for)"
        r"(?!\s+(?:automatically|itself|properly|correctly|loading|to load|to sync|syncing|"
        r"running|working))"
        r"(?!\s+(?:the |this |that |our |any )?(?:[\w-]+ ){0,3}?(?:add-?ons?|modules?|features?|"
        r"domains?|certificates?|cards?|tokens?|sandbox(?:es)?|trial)\b)"
        r"(?:(?<=renew)|(?<=renewing)|(?<=renewal)|(?<=reup)|(?<=re-up)|(?<=paying)|(?<=using)|"
        r"(?:\s+(?:\w+\s+){0,2}?(?P<o>contract|agreement|subscription|relationship|"
        r"partnership|with you|with your|as (?:a )?(?:customer|client)|using|past|beyond|after|"
        r"into|next year|licen[cs]es?|seats|service|deal|term|paying|to pay|to use|"
        r"(?:another|one more|a further|a second) (?:year|term))))",
        negatable=False,
    ),
    _rule(
        "en.cancellation.end_contract",
        CANCELLATION,
        r"\b(?P<v>pull(?:s|ed|ing)?|tak(?:e|es|ing)|took|mov(?:e|es|ed|ing))\s+(?:our|their|my)\s+"
        r"(?P<o>(?:\w+\s+)?(?:business|money|spend|budget))\b(?!\s+(?:to|into)\s+(?:you|your))",
    ),
    _rule(
        "en.cancellation.not_renew",
        CANCELLATION,
        r"\b(?P<o>renewal|contract extension|extension|partnership|relationship)\b"
        r"(?:\s+\w+){0,3}?\s+(?P<v>(?:is|isn'?t|looks|seems|will|'s|are)\s+(?:\w+\s+)?"
        r"(?:not going to happen|not happening|off the table|unlikely|in doubt|at risk|in jeopardy|"
        r"dead|not a given|on hold|on ice|not going ahead|won'?t happen|not happen|in danger)|"
        r"(?:.*?)\b(?:it'?s|is|answer is) a (?:hard )?no\b|(?:.*?)\bno-go\b)",
        negatable=False,
    ),
    _rule(
        "en.cancellation.end_contract",
        CANCELLATION,
        r"\b(?:away|close|close to|on the verge of|on the brink of|this close to|near|nearly|"
        r"about to|one step from|ready to)\s+(?:from\s+)?(?P<v>cancel\w*|leav\w*|terminat\w*|"
        r"walk\w* away|churn\w*|pull\w* the plug|switch\w*|giving up on (?:you|your \w+))\b",
    ),
    _rule(
        "en.cancellation.not_renew",
        CANCELLATION,
        r"\b(?P<v>(?:put|putting|placed?|placing|kept|keep\w*)) (?:the |our |their )?"
        r"(?P<o>renewal|contract|subscription|expansion) (?:decision )?(?:on hold|on ice)\b",
    ),
    _rule(
        "en.cancellation.not_renew",
        CANCELLATION,
        r"\b(?P<o>contract|subscription|agreement|licen[cs]es?|partnership|renewal|deal)\s+"
        r"(?P<v>(?:will|shall|is|are)\s+not\s+be(?:ing)?|won'?t\s+be|is\s+not\s+going\s+to\s+be|"
        r"will\s+no\s+longer\s+be)\s+(?:renewed|extended|continued|signed)\b",
        negatable=False,
    ),
    _rule(
        "en.cancellation.end_contract",
        CANCELLATION,
        r"\b(?P<v>(?:you(?:'ve| have)? )?lost (?:our|my|their) business|lost (?:us|them) as "
        r"(?:a )?(?:customer|client)s?|go(?:ing|es)? (?:out )?to tender|put\w* (?:it|this|the "
        r"(?:contract|account|renewal)) (?:out )?to tender|run\w* (?:a|an) (?:rfp|tender))\b",
    ),
    _rule(
        "en.cancellation.notice",
        CANCELLATION,
        r"\b(?:process\w*|submit\w*|confirm\w*|accept\w*|send\w*|sent|request\w*|fil(?:e|ed|ing)|"
        r"put\w* in|hand\w* in|acknowledg\w*|receiv\w*|consider\w*|note|noted|treat\w*|take)\s+"
        r"(?:this\s+(?:as\s+|to be\s+)?)?(?:our|my|their|the customer's)\s+"
        r"(?:\d+[- ]days?'?\s+|formal\s+|official\s+|written\s+)*"
        r"(?P<v>cancellation|termination|non-?renewal|notice|exit|offboarding)\b"
        rf"(?:\s+(?:request|notice|letter|form))?(?!\s+{UI_WORDS}\b)",
    ),
    _rule(
        "en.cancellation.notice",
        CANCELLATION,
        r"\b(?P<v>(?:our|the) right to (?:terminate|cancel|exit|end)|terminat\w* for cause|"
        r"early termination|terminat\w* (?:\w+ )?early|exit clause|termination clause|"
        r"break clause)\b",
    ),
    _rule(
        "en.cancellation.reconsider",
        CANCELLATION,
        r"\b(?P<v>reconsider\w*|rethink\w*|re-?evaluat\w*|reassess\w*|question\w*|"
        r"(?:discuss\w*|decid\w*|debat\w*|wonder\w*|asking|unsure|not sure|evaluat\w*|"
        r"consider\w*|review\w*|assess\w*)"
        r"(?=\s+(?:whether|if)))\s+"
        r"(?:whether|if)?\s*(?:\w+\s+){0,3}?(?P<o>stay\w*|continu\w*|renew\w*|"
        r"(?:the|our) (?:relationship|partnership|contract|renewal|subscription|agreement|"
        r"investment)|working with you|using you|your (?:product|platform|service|tool|company)|"
        r"keep(?:ing)? (?:you|your \w+|using|paying))",
    ),
    _rule(
        "en.cancellation.other_vendor",
        CANCELLATION,
        r"\b(?P<v>mov(?:e|es|ed|ing)|switch\w*|migrat\w*|go(?:ing)?|went|gone|transition\w*|"
        r"chang(?:e|es|ed|ing)|port(?:ing)?|tak\w* (?:our|their|my) (?:business|money|spend)|"
        r"shift\w*|look\w*|shop\w*(?: around)?|tak\w* (?:it|this)|go(?:ing)? with|went with|"
        r"us(?:e|ing)|sign\w* with)"
        r"(?:\s+\w+){0,4}?\s+(?:to|towards|with|for|over to|around for)\s+"
        rf"(?P<o>{OTHER_VENDOR})\b",
    ),
    _rule(
        "en.cancellation.other_vendor",
        CANCELLATION,
        r"\b(?P<v>leav\w*|left|exit\w*|part(?:ing)? ways|mov(?:e|es|ed|ing)|migrat\w*|"
        r"transition\w*|switch\w*|consolidat\w*|standardi[sz]\w*|replac\w*|swap\w*|ditch\w*|"
        r"dump\w*|drop\w*|quit\w*|churn\w*|wind\w* down|walk\w* away|sign(?:s|ed|"
        r"ing)?(?: up)? with|"
        r"go(?:ing)? with|went with|pull\w* out|offboard\w*|sunset\w*|phas\w* out|get\w* off|"
        r"get\w* out|port\w*|bring\w* in|roll\w* out|adopt\w*|implement\w*|deploy\w*)"
        r"(?:\s+[\w']+){0,6}?\s+(?P<o>out of (?:your|the) (?:\w+ )?(?:system|platform|product|tool|"
        r"service|crm|software|app)|(?:another|other|a different|a new|a competing|a rival|"
        r"an alternative|our new|their new|a cheaper|a competitor'?s?|competing|rival) (?:\w+ )?"
        r"(?:provider|vendor|supplier|partner|platform|tool|system|solution|product|crm|company|"
        r"service)s?|(?:a |the |your )?competitors?'?s?|the competition)\b",
    ),
    _rule(
        "en.cancellation.other_vendor",
        CANCELLATION,
        r"\b(?P<v>(?:look|shop|go|take|took|move|buy|spend|tak)\w*(?:\s+\w+){0,3}?\s+elsewhere|"
        r"shop\w* around)\b",
    ),
    _rule(
        "en.cancellation.other_vendor",
        CANCELLATION,
        r"\b(?P<v>evaluat\w*|explor\w*|consider\w*|assess\w*|research\w*|talk\w* to|review\w*|"
        r"speak\w* (?:to|with)|meet\w* with|in talks with|trial\w*|testing|pilot\w*|"
        r"demo\w*|rfp|tender\w*|quotes? from|proposals? from|sign(?:s|ed|ing)?|onboard\w* with|"
        r"bring\w* in|look\w* (?:at|into|for)|search\w* for|hunt\w* for|on the lookout for|"
        r"approached by|offers? from|offered by|courted by|compar\w* (?:\w+ )?(?:with|to|against)|"
        r"comparison (?:with|to|against)|find|finding|found|source|sourcing|hir\w*|select\w*|"
        r"choos\w*|chose|pick\w*|engag\w*|short-?list\w*)"
        rf"(?:\s+(?:\w+\s+){{0,3}}?(?:with|from|of|at|to|for))?"
        r"\s+(?:(?:two|three|several|some|a few|a couple of|\d+)\s+)?"
        rf"(?P<o>{OTHER_VENDOR})\b",
    ),
    _rule(
        "en.cancellation.other_vendor",
        CANCELLATION,
        r"\b(?P<v>switch\w*|mov(?:e|es|ed|ing)|migrat\w*|transition\w*|port(?:ing)?|"
        r"consolidat\w*|standardi[sz]\w*)"
        r"(?P<what>(?:\s+[\w']+){0,4}?)\s+(?:over\s+)?(?:to|on|onto)\s+"
        r"(?!(?:january|february|march|april|may|june|july|august|september|october|november|"
        r"december|monday|tuesday|wednesday|thursday|friday|saturday|sunday|english|japanese)\b)"
        r"(?P<o>\w(?:[\w.]*\w)?)",
        proper=True,
    ),
    _rule(
        "en.cancellation.other_vendor",
        CANCELLATION,
        r"\b(?P<v>sign(?:s|ed|ing)? (?:up )?with|go(?:ing)? with|went with|chose|choosing|"
        r"select(?:ed|ing)|decided on|opted for|moving forward with|trial\w*|pilot\w*|testing|"
        r"evaluat\w*|demo\w*|looking at|talking to|in talks with)(?P<what>)\s+(?P<o>\w[\w.]*)"
        r"(?!\s+(?:integration|connector|plugin|add-on|api|sync|app|export|import|data|login|sso|"
        r"account|file|report|feature)s?\b)",
        proper=True,
    ),
    _rule(
        "en.cancellation.other_vendor",
        CANCELLATION,
        r"\b(?P<v>replac\w*|replacement for|alternative to|substitute for)\s+"
        r"(?P<o>you|your (?:\w+ )?(?:product|platform|service|tool|system|solution|software|"
        r"company|team|crm)|(?:the|this) (?:product|platform|tool|system|solution))\b",
    ),
    _rule(
        "en.cancellation.stop_using",
        CANCELLATION,
        r"\b(?P<v>stop(?:s|ped|ping)? (?:using|working with|doing business with)|"
        r"no longer (?:use|need|want|require|work with)|done with|finished with|through with)"
        r"\s+(?P<o>(?:you|u)(?: guys| all| people| lot)?|your (?:\w+ )?(?:company|team|product|"
        r"platform|service|services|tool|system|software|solution|crm)|(?:the|this) (?:service|"
        r"platform|product|tool|system|software|solution|crm)|it altogether)\b",
    ),
    _rule(
        "en.cancellation.stop_using",
        CANCELLATION,
        r"\b(?P<v>stop(?:s|ped|ping)? paying(?: for)?|no longer (?:pay|paying) for|"
        r"(?:reduc|cut|scal|bring|tak|downgrad)\w*(?= (?:\w+ ){0,4}?(?:licen[cs]es|seats|spend|"
        r"usage|users|accounts?|contracts?|subscriptions?|budget|orders|footprint|investment|"
        r"plan|us|it)\b)(?: (?:\w+ ){0,4}?)?(?:down |back )?to (?:zero|0)\b|"
        r"(?:close|shut) (?:down )?(?:our|the|my|their) (?!(?:duplicate|test|trial|demo|sandbox|"
        r"user|old|extra|unused|dummy|second|wrong|personal|admin|sub|spare|guest)\b)"
        r"(?:\w+ )?account)",
    ),
    _rule(
        "en.cancellation.stop_using",
        CANCELLATION,
        r"\b(?P<v>consider|treat|mark|regard)\s+(?:our|my|their|the|this)\s+(?P<o>(?:\w+\s+)?"
        r"(?:account|contract|subscription|relationship|partnership)\s+(?:closed|cancell?ed|"
        r"terminated|over|ended|finished))\b",
    ),
    _rule(
        "en.cancellation.stop_using",
        CANCELLATION,
        r"\b(?P<v>stop\w*|halt\w*|freez\w*|suspend\w*|cancel\w*|pause\w*)\s+(?:all\s+)?(?:(?:our|"
        r"the|"
        r"future|new|any|further)\s+)*(?P<o>(?:purchase\s+)?orders|purchasing|spend|spending|"
        r"payments|business)\s+(?:with|to)\s+(?:you|us|your)\b",
    ),
    _rule(
        "en.cancellation.end_contract",
        CANCELLATION,
        r"\b(?P<v>(?:plan\w*|prepar\w*|start\w*|begin\w*|managing|organi[sz]\w*) (?:an |our |the )?"
        r"(?:exit|migration|transition|move|offboarding))\s+(?:away\s+)?from\s+"
        r"(?P<o>you|your (?:\w+ )?(?:platform|product|service|tool|system|solution|software|crm|"
        r"company))\b",
    ),
    _rule(
        "en.cancellation.end_contract",
        CANCELLATION,
        rf"\b{ACTOR}\s*(?:are|'re|will be|'ll be|am|'m|have|'ve)\s+(?:\w+\s+)?(?P<v>moving on|"
        r"moved on|had enough|had it)(?=\s*(?:[.,;:!?]|$|\s+(?:from|with|then)\b))",
    ),
    _rule(
        "en.cancellation.stop_using",
        CANCELLATION,
        r"\b(?P<v>(?:be|get|getting|move|moving|migrate|migrating|come|coming) off"
        r"(?!(?:\s+[\w']+){0,5}?\s+(?:onto|on to|to|into) (?:your|you|the new|yours)\b)|"
        r"stop(?:s|ped|ping)? (?:charging|billing|invoicing)|done (?:using|paying for)|"
        r"(?:go|going|went|move|moving|switch\w*|revert\w*|return\w*) back to|"
        r"(?:build|building|do|doing|bring|bringing|develop\w*|handl\w*) (?:this|it|everything) "
        r"in-?house)\s*(?P<o>(?:the|your|this|our|us|it|this)?\s*(?:(?:old|previous|legacy|former|"
        r"own|in-?house)\s+)?(?:platform|product|system|tool|service|solution|vendor|provider|"
        r"process|spreadsheets?|excel|crm|it|this|us)?)",
    ),
    _rule(
        "en.cancellation.no_value",
        CANCELLATION,
        r"\b(?P<n>no longer|no|not|don'?t|doesn'?t|little|zero)\s+(?:\w+\s+){0,2}?"
        r"(?:value|point|reason|sense|benefit)\s+in\s+(?P<v>continu\w*|renew\w*|stay\w*|"
        r"keep\w*|extend\w*|paying|using)",
        negatable=False,
    ),
    _rule(
        "en.cancellation.end_contract",
        CANCELLATION,
        rf"\b(?:{ACTOR}\s*(?:are|'re|will be|'ll be|am|'m)|will be|'ll be)\s+"
        r"(?P<v>out|gone|done|leaving|walking|outta here)"
        r"(?:\s+of here)?(?=\s*(?:[.,;:!?]|$|\s+(?:with you|then|for good|by|before|at the end|"
        r"once|"
        r"when|as soon as|"
        r"after|in (?:january|february|march|april|may|june|july|august|september|october|"
        r"november|december|q[1-4]|\d))\b))",
    ),
    _rule(
        "en.cancellation.relationship",
        CANCELLATION,
        r"\b(?P<o>relationship|partnership|collaboration|arrangement|contract)\b"
        r"(?:\s+\w+){0,3}?\s+(?P<v>(?:is|isn'?t|was|has|are)(?: not| no longer)? (?:not )?"
        r"(?:working|over|finished|at an end|ending|coming to an end|run its course))",
        negatable=False,
    ),
    _rule(
        "en.cancellation.notice",
        CANCELLATION,
        r"\b(?P<v>notice of (?:termination|cancellation|non-renewal|intent to terminate)|"
        r"termination notice|non-?renewal|cancellation notice|"
        r"(?:give|gives|giving|given|gave|serve|serving|served|send|sending|sent|submit\w*|"
        r"hand\w* in)\s+"
        r"(?:you\s+)?(?:our\s+|formal\s+|written\s+|\d+[- ]days?'?\s+)*notice)\b",
    ),
    _rule(
        "en.cancellation.churn",
        CANCELLATION,
        r"\b(?:threaten\w* to|will|going to|about to|plans? to|planning to|likely to|wants? to|"
        r"might|may|ready to|'ll)\s+(?P<v>churn)\b",
    ),
    # Bringing usage, seats or spend down to nothing, or winding the account down.
    _rule(
        "en.cancellation.stop_using",
        CANCELLATION,
        r"\b(?P<v>(?:wind|scal|ramp|run|cut|bring|tak|reduc|draw|trim|shrink)\w*(?: down|"
        r" back)?)\s+"
        r"(?:(?:our|the|their|all|my|this|that)\s+)?(?P<o>(?:\w+\s+)?(?:usage|use|seats|"
        r"licen[cs]es|spend|footprint|users|accounts?|contracts?|subscriptions?|investment))"
        r"(?:\s+(?:down|back))?\s+to\s+(?:nothing|zero|0|none|nil|a minimum|the bare minimum)\b"
        r"|\b(?P<w>wind\w* down|run\w* down|phas\w* out)\s+(?:our|the|their|my)\s+"
        r"(?:\w+\s+)?(?:usage|use|account|contract|spend|footprint|relationship|engagement|"
        r"subscription|licen[cs]es|seats)\b",
        gate="nothing|zero| 0|none|nil|minimum|wind|run|phas",
    ),
    # A competitor's offer the customer leans towards.
    _rule(
        "en.cancellation.other_vendor",
        CANCELLATION,
        r"\b(?P<o>(?:a |one |another |the )?(?:competitors?|rival|(?:another|a different|a "
        r"cheaper|a rival|a competing) (?:vendor|provider|supplier|company|platform)))\s+"
        r"(?:\w+\s+){0,2}?(?P<v>offer(?:ed|ing|s)?|quot(?:ed|ing)|pitch(?:ed|ing)|approached|"
        r"propos(?:ed|ing)|made (?:us )?an offer)\b",
        context=r"\b(?:inclined|tempted|take (?:it|them up)|accept\w*|match (?:it|that|this)|"
        r"unless you|hard to (?:say no|refuse|ignore|turn down)|seriously|considering|leaning|"
        r"going to|will|'ll)\b",
        gate="competit|rival|vendor|provider|supplier|company|platform",
    ),
    # Our product being replaced, phased out or switched off (told in the passive).
    _rule(
        "en.cancellation.end_contract",
        CANCELLATION,
        r"\b(?P<o>(?:your|the|this) (?:\w+ )?(?:tool|product|platform|system|service|software|"
        r"solution|crm|app|contract|subscription|agreement|licen[cs]es))\s+(?:is|are|will be|'s|"
        r"has been|have been|is going to be|are going to be|gets|is getting)\s+(?:being\s+)?"
        r"(?:\w+\s+)?(?P<v>replaced|phased out|sunset(?:ted)?|decommissioned|retired|dropped|"
        r"cancell?ed|terminated|discontinued|switched off|turned off|shut down|ripped out|"
        r"wound down|dumped|ditched)\b(?!\s+(?:with|by) (?:yours|you|your|the new version))",
        gate="replaced|phased out|sunset|decommission|retired|dropped|cancel|terminated|"
        "discontinued|switched off|turned off|shut down|ripped out|wound down|dumped|ditched",
    ),
    # Letting it run out, the last year, the offboarding started.
    _rule(
        "en.cancellation.not_renew",
        CANCELLATION,
        r"\b(?P<v>(?:let|letting|lets|allow\w*)\s+(?:it|(?:the|our|this|my)\s+(?:\w+\s+)?"
        r"(?:contract|subscription|licen[cs]es?|agreement|renewal|seats|plan))\s+(?:lapse|expire|"
        r"run out|die|run its course)|(?:our|the|my|this (?:will be|is) our) (?:last|final) "
        r"(?:year|term|renewal|quarter|contract|month)(?: with you| with your \w+| as (?:a )?"
        r"(?:customer|client)s?)|(?:start|begin|kick\w* off|initiat|trigger|prepar|plan)\w*\s+"
        r"(?:the |our |an |a )?(?:offboarding|off-boarding|exit|termination|cancellation|"
        r"non-renewal|wind-down)(?: process| plan| procedure| steps)?(?!(?:\s+\w+)?\s+(?:for|of|"
        r"on)\s+(?!(?:the |our |this |my )?(?:contract|subscription|account|agreement|"
        r"relationship|us|everything)\b))|(?:don'?t|do not|no need "
        r"to) (?:bother )?(?:send|prepar|draft|issu)\w* (?:\w+ )?(?:the |a |any |us )?"
        r"(?:renewal|extension)(?: \w+)?|(?:halfway|one foot|already|half) out the door)\b",
        negatable=False,
        gate="lapse|expire|run out|die|last|final|offboard|off-board|exit|termination|"
        "cancellation|non-renewal|wind-down|renewal|extension|out the door",
    ),
    _rule(
        "en.legal.lawyers",
        LEGAL,
        r"\b(?P<v>(?:this|the) (?:matter|issue|case|dispute|complaint|file|thread) (?:is|has been|"
        r"will be|'s) (?:now )?(?:with|over to|passed to|handed to|in the hands of))\s+(?:our|my|"
        r"the customer'?s|their)\s+(?:\w+\s+)?(?P<o>lawyers?|attorneys?|counsel|solicitors?|"
        r"legal(?: team| department| dept)?)\b(?!(?:\s+\w+){0,2}\s+(?:for (?:signature|review|"
        r"approval|sign-?off|redlines?)|to (?:sign|review|approve)))",
        gate="lawyer|attorney|counsel|solicitor|legal",
    ),
    _rule(
        "en.safety.expose_people",
        SAFETY,
        r"\b(?P<v>(?:everyone|everybody|the whole (?:internet|world|industry)|the world|all of "
        r"\w+)(?: on \w+| online)? (?:will )?knows?)\s+(?:[\w']+\s+){0,3}?(?P<o>names?|faces?|"
        r"address(?:es)?|where (?:\w+ ){0,3}lives?|phone numbers?)\b",
        gate="everyone|everybody|whole|world|all of",
    ),
    _rule(
        "en.safety.intrusion",
        SAFETY,
        r"\b(?:threaten\w* to|will|'ll|going to|gonna|could|can)\s+(?:\w+\s+){0,2}?"
        r"(?P<v>(?:flood|bombard|spam|take down|knock (?:\w+ )?(?:off|down|offline)|bring down)\w*)"
        r"\s+(?P<o>(?:your|our|the) (?:\w+ )?(?:systems?|servers?|site|website|platform|network|"
        r"api|helpdesk))\b",
        gate="flood|bombard|spam|take down|knock|bring down",
    ),
    # Ending it in so many words: part ways, pull the plug, call it a day.
    _rule(
        "en.cancellation.end_contract",
        CANCELLATION,
        r"\b(?P<v>part(?:ing)? ways|pull(?:ing)? the plug|call(?:ing)? it (?:a day|quits)|"
        r"clos\w* (?:things|everything|it all) out|offboard\w*(?!(?:\s+\w+){1,3}\s+(?:who|that|"
        r"which|from|whose|when|after)\b) (?:all|every|our (?:whole|entire)|"
        r"everyone)(?: \w+)?(?: users| seats| staff| teams| accounts)?)\b"
        r"(?!\s+(?:who|that|which|from|in the|on the|when|after|whose)\b)",
        gate="part|pull|call it|clos|offboard",
    ),
    # Going out to the market: an RFP or a tender, us on a list to be replaced.
    _rule(
        "en.cancellation.other_vendor",
        CANCELLATION,
        r"\b(?P<v>(?:issu|launch|run|start|publish|send|put\w* out|releas|prepar|draft|open)\w*\s+"
        r"(?:an? |our |the |their )?(?:new )?(?:rfp|rfi|rfq|tender|request for (?:proposals?|"
        r"quotes?))"
        r"(?!\s+for\s+(?!(?:a |the |our |this |your |an )?(?:new |replacement |"
        r"alternative )?(?:crm|"
        r"platform|service|tool|system|solution|software|vendor|provider|support|contract|"
        r"replacement|this|it)\b))"
        r"|you(?:'re| are|'ll| will| might| may)?(?:\s+\w+){0,6}?\s+(?:to be|being|be|get|"
        r"getting)\s+"
        r"(?:replaced|dropped|cut|phased out|swapped out))\b",
        gate="rfp|rfi|rfq|tender|request for|replaced|dropped|cut|phased out|swapped out",
    ),
    _rule(
        "en.cancellation.end_contract",
        CANCELLATION,
        r"\b(?P<v>(?:sunset|decommission|shut\w* down|clos|delet|wind\w* down|turn\w* off|"
        r"switch\w* off|retir)\w*)\s+(?:the |our |your |this |my )?(?!(?:test|sandbox|staging|dev|"
        r"demo|duplicate|old|unused|trial|spare|second|extra)\b)(?P<o>(?:\w+ )?(?:crm|workspace|"
        r"tenant|org))s?\b(?!\s+(?:temporarily|for maintenance|overnight|for the weekend|invites?|"
        rf"invitations?|links?|tabs?|windows?|sessions?|tickets?|{UI_WORDS})\b)",
        gate="sunset|decommission|shut|clos|delet|wind|turn|switch|retir",
    ),
    _rule(
        "en.cancellation.end_contract",
        CANCELLATION,
        r"\b(?:send|issue|prepar|rais)\w*\s+(?:us\s+|me\s+)?(?:the|our|a)\s+(?P<v>final "
        r"(?:invoice|bill|statement))\b",
        context=r"\b(?:clos\w*|leav\w*|wrap\w*|offboard\w*|last|end of (?:the |our )?(?:contract|"
        r"term|relationship|subscription)|done|out)\b",
        gate="final",
    ),
    # "There will be no renewal", "no renewal until ...".
    _rule(
        "en.cancellation.not_renew",
        CANCELLATION,
        r"\b(?:there|it)\s*(?:will|'ll|would|'d|is going to|'s going to)\s+be\s+(?P<n>no)\s+"
        r"(?:\w+\s+)?(?P<v>renewal|extension|new contract|further (?:orders|business|contract|"
        r"purchases|payments)|more (?:orders|business|payments))\b"
        r"(?!\s+(?:reminders?|notices?|quotes?|invoices?|dates?|prices?|pricing|discounts?|calls?|"
        rf"{UI_WORDS})\b)"
        r"|\b(?P<m>no)\s+(?P<w>renewal|extension|new contract|further orders|more orders)\s+"
        r"(?:until|unless|without|while|as long as)\b",
        negatable=False,
        gate="renewal|extension|new contract|further|more",
    ),
    # Last: an act that can end the relationship, said with intent, in a sentence about the
    # contract or the vendor, when no closer pattern above has read it.
    _rule(
        "en.cancellation.end_contract",
        CANCELLATION,
        r"\b(?P<v>cancel\w*|terminat\w*|leav(?:e|ing)|exit\w*|switch\w*|migrat\w*|replac\w*|"
        r"churn\w*|quit\w*|walk\w* away|mov(?:e|ing) (?:away|on)|pull\w* out|drop\w*)\b"
        r"(?!\s+(?:the|a|an|this|that|these|those|my|his|her|its|one|some|any)\s+"
        r"(?!(?:contract|subscription|agreement|account|partnership|relationship|service|"
        r"licen[cs]es|plan|deal|renewal|platform|product|tool|vendor|provider)\b)\w+)"
        r"(?!\s+(?:button|link|page|field|fee|fees|email|template|policy|date|reason|flow|form|"
        r"job|order|invoice|meeting|call|session|request|ticket)s?\b)"
        r"(?!(?:\s+[\w']+){0,6}?\s+(?:into|onto|on to|over to) (?:your|you)\b)",
        context=r"^(?=.*\b(?:contract|subscription|renewal|licen[cs]es|partnership|relationship|"
        r"your (?:\w+ )?(?:product|platform|service|tool|company|system|software|solution|team)|"
        r"vendor|provider|supplier|competitor\w*|you guys)\b)(?=.*\b(?:we|we'\w+|they|they'\w+|"
        r"customer|client|management|board|ceo|cfo|cto|cio|vp|leadership|i|i'\w+)\b.*?\b(?:will|"
        r"'ll|"
        r"going to|gonna|plan\w*|consider\w*|decid\w*|want\w*|intend\w*|thinking|looking|"
        r"seriously|about to|ready to|prepared to|may|might|would)\b)",
    ),
    # --- legal ---------------------------------------------------------------------------------
    _rule(
        "en.legal.lawyers",
        LEGAL,
        r"\b(?P<v>letter|notice|call|email|correspondence|hear(?:ing)?|word)\s+from\s+"
        r"(?:our|my|their|the customer's|his|her)\s+(?:\w+\s+)?"
        r"(?P<o>lawyers?|attorneys?|counsel|solicitors?|legal(?: team| department| dept)?)\b",
    ),
    _rule(
        "en.legal.lawyers",
        LEGAL,
        r"\b(?:our|my|their|the customer's|his|her)\s+(?:\w+\s+)?"
        r"(?P<o>lawyers?|attorneys?|counsel|solicitors?|legal (?:team|department|dept|counsel|"
        r"advisors?|representatives?)|law firm)\b(?:\s+\S+){0,3}?\s+"
        r"(?P<v>(?:will|'ll|is going to|are going to) (?:be )?(?:in touch|contact\w*|write|writing|"
        r"send\w*|follow up|handle|deal|take)|(?:be|get) in (?:touch|contact)|contact(?:s|"
        r"ing)? you|"
        r"reach(?:ing)? out|writ(?:e|ing) to you|review(?:ing)? (?:our|the|all) options|"
        r"explor\w* (?:our|all|the) options|look(?:ing)? into (?:this|the matter|our options|it)|"
        r"advised us|(?:is|are) (?:now )?involved|(?:is|are) (?:now )?(?:aware|cc'?d|copied)|"
        r"look (?:at|into|over) (?:this|it|the matter|our options)|review (?:this|it|the matter)|"
        r"(?:be )?review\w* (?:\w+ ){0,3}for (?:breach\w*|violations?|liability|damages)|"
        r"go (?:through|over) (?:this|it|the contract)|"
        r"ha(?:s|ve) (?:been )?(?:informed|instructed|advised|notified|briefed|alerted|engaged|"
        r"looped in|involved)|(?:(?:is|are|has|"
        r"have) )?(?:already |"
        r"now |currently )?(?:draft\w*|prepar\w*|(?<!to )fil(?:e|ed|ing)|putting together|"
        r"working on|"
        r"sent|send\w*))\b",
    ),
    _rule(
        "en.legal.lawyers",
        LEGAL,
        r"\b(?P<v>involv\w*|get(?:ting)?|bring\w* in|contact\w*|consult\w*|speak\w* (?:to|with)|"
        r"talk\w* (?:to|with)|engag\w*|instruct\w*|hand\w* (?:this|it|the matter|everything)"
        r"(?: over)? to|refer\w* (?:this|it|the matter) to|"
        r"escalat\w*(?: (?:this|it|the matter))? to|"
        r"pass\w* (?:this|it)(?: on)? to|forward\w* (?:this|it) to|ask\w*|retain\w*|hir\w*|cc\w*|"
        r"loop\w* in|copy\w* in|tak\w* (?:this|it|the matter) up with|rais\w* (?:this|it) with|"
        r"discuss\w* (?:this|it) with|(?:gone|going|go|went) to|"
        r"(?:referred|handed(?: over)?|passed(?: on)?|forwarded|turned over|"
        r"escalated|sent|given|sending|passing|handing|referring) to)\s+(?:\w+\s+){0,2}?"
        r"(?P<o>lawyers?|attorneys?|counsel|solicitors?|legal(?: team| department| dept| counsel)?"
        r"|(?:a|our) law firm)\b(?!\s+(?:portal|review|hold|module|page|field|template|entity|"
        r"entities|name|names|address|requirements?|basis|text|terms|hold))",
    ),
    _rule(
        "en.legal.lawyers",
        LEGAL,
        r"\b(?P<v>(?:tak|seek|get|obtain)\w*|took|sought|got)\s+(?:\w+\s+)?"
        r"(?P<o>legal advice|legal counsel)\b",
    ),
    _rule(
        "en.legal.lawyers",
        LEGAL,
        r"\b(?P<o>lawyers?|attorneys?|counsel|solicitors?|legal(?: team| department| dept)?)\s+"
        r"(?P<v>(?:are|r|is|have been|has been|got|now|already)\s+(?:now\s+|already\s+)?"
        r"(?:involved|on it|on the case|engaged|in the loop|cc'?d|copied|looking into (?:this|"
        r"it)))\b",
    ),
    _rule(
        "en.legal.lawsuit",
        LEGAL,
        r"\b(?P<v>sue|sues|sued|suing|lawsuits?|litigat(?:e|ing)|(?:threaten\w*|start\w*|begin\w*|"
        r"initiat\w*|commenc\w*|consider\w*|pursu\w*|go to|proceed\w* with|prepar\w* for|face|"
        r"into|possible|potential) litigation|legal (?:action|steps|"
        r"proceedings|recourse|remedies|route|measures|claim|avenues|options|position|rights)|"
        r"proceedings against|"
        r"class action|small claims|(?:take|taking|took) (?:you|this|it|the matter|them|your "
        r"company|us)(?: \w+){0,4}? to (?:court|tribunal|arbitration)|(?:build\w*|prepar\w*|"
        r"mak\w*) (?:a|our|their|the) (?:legal )?case (?:against|for court)|(?:they'?re|we'?re|"
        r"(?:is|are) (?:now )?) building (?:a|their|our) case|"
        r"reserv\w* (?:all |our |any |its |their )?(?:\w+ )?(?:legal )?rights|"
        r"(?:including|up to|and|escalat\w* (?:\w+ ){0,3}?to|mov\w* (?:\w+ ){0,3}?to|"
        r"push\w* (?:\w+ ){0,3}?to|go\w* (?:\w+ ){0,3}?to|straight to) litigation|"
        r"see you in court|court action|"
        r"(?:file|filing|draft\w*|prepar\w*) (?:a |the )?(?:legal )?(?:claim|suit|lawsuit|case)|"
        r"arbitration|injunction|cease and desist|(?:accountable|liable|responsible) in court|"
        r"in a court of law|through the courts|"
        r"(?:will|'ll|prepared to|ready to|willing to|happy to|threaten\w* to|plan\w* to|"
        r"intend\w* to|going to|not afraid to|hesitate to) (?:\w+ )?go to court|(?:pursu\w*|tak\w*|"
        r"deal\w* with|settl\w*|"
        r"challeng\w*|fight\w*|go\w* after) (?:(?:this|it|the matter|you|them) )?(?:legally|"
        r"through legal (?:means|channels)|by legal means))\b"
        r"(?!\s+(?:work|module|team|hold|support|matters?|management|software|cases?|tracking|"
        r"page|field|portal|documents?|templates?))",
    ),
    _rule(
        "en.legal.damages",
        LEGAL,
        r"\b(?P<v>claim\w*|seek\w*|pursu\w*|recover\w*|demand\w*|sue for|expect\w*|"
        r"compensat\w* for)(?:\s+\w+){0,5}?\s+(?P<o>damages|losses|compensation)\b",
    ),
    _rule(
        "en.legal.damages",
        LEGAL,
        r"\b(?P<v>liable for|hold (?:you|your company|your firm|your team) (?:legally )?liable)\b",
    ),
    _rule(
        "en.legal.regulator",
        LEGAL,
        r"\b(?<!annual )(?<!monthly )(?<!quarterly )(?<!yearly )(?<!our )(?<!the )(?<!an )"
        r"(?<!a )(?<!compliance )(?<!audit )(?<!status )(?<!weekly )(?<!daily )(?<!this )"
        r"(?<!that )(?<!your )(?<!their )(?<!incident )(?<!summary )"
        r"(?P<v>report\w*|complain\w*|complaint|fil(?:e|ed|ing)|lodg\w*|escalat\w*|contact\w*|"
        r"notify\w*|notif\w*|inform\w*|go(?:ing)? to|went to|tak\w* (?:this|it) to|"
        r"refer\w* (?:this|it) to|rais\w* (?:this|it) with|alert\w*|writ\w* to|wrote to)\b"
        r"(?:\s+(?!(?:annual|quarterly|monthly|yearly|report|returns?|filings?|figures|statistics|"
        r"accounts|licen[cs]e|registration|renewal)\b)\S+){0,6}?\s+"
        r"(?:the\s+)?(?P<o>regulators?|(?:(?!(?:the|a|an|with|to|our|your|their|my|this|that|"
        r"annual|"
        r"report|returns?|data|it|you|us|them)\b)[a-z]+ (?:and |of |for )?){1,4}(?:authority|"
        r"commission|"
        r"ombudsman|commissioner|watchdog|regulator)|cma|sec|cfpb|accc|ofcom|ofgem|finra|oaic|"
        r"dpc|edpb|hhs|ocr|state attorney general|police|(?:local )?council|regulatory (?:body|"
        r"authority|authorities)|"
        r"(?:data protection|supervisory|consumer protection|competition|financial conduct|"
        r"privacy) (?:authority|authorities|agency|commission|office|regulator|watchdog)|"
        r"ombudsman|ico|ftc|fca|cnil|bbb|better business bureau|attorney general|"
        r"trading standards|consumer (?:protection|affairs|agency|council|centre|center|bureau)|"
        r"information commissioner|authorities|watchdog|privacy commissioner)\b"
        r"(?!\s+(?:export|report|field|module|page|portal|number|id|template|integration|feed|api|"
        r"contact|list|filter|tab|code|format|submission)s?\b)",
    ),
    _rule(
        "en.legal.notice",
        LEGAL,
        r"\b(?P<v>formal (?:letter of )?(?:complaint|demand|dispute)|"
        r"formal (?:notice|letter) (?:of (?:breach|claim|"
        r"dispute|default)|from (?:our|my) (?:lawyers?|counsel|attorneys?|solicitors?|legal))|"
        r"notice of (?:breach|default|"
        r"claim|dispute)|letter before (?:action|claim)|demand letter|breach of (?:contract|"
        r"the agreement|the sla|our agreement)|in breach of|material breach|legal notice|"
        r"violat\w* (?:(?:of|with) )?(?:the|our|its|your) (?:contract|agreement|sla|terms|dpa)|"
        r"(?:through|via|by) legal (?:means|channels|routes?)|breach(?:ed|es)? "
        r"(?:the|our|its) (?:contract|agreement|sla|dpa))\b",
    ),
    # A regulator that "will hear about this".
    _rule(
        "en.legal.regulator",
        LEGAL,
        r"\b(?P<o>regulators?|ombudsman|ftc|ico|fca|cma|bbb|better business bureau|"
        r"attorney general|trading standards|consumer (?:protection|affairs)|"
        r"(?:data protection|privacy|consumer|competition) (?:authority|regulator|commissioner)|"
        r"watchdog|police|authorities)\s+(?P<v>(?:will|'ll|is going to|are going to|'s going to|"
        r"shall)\s+(?:\w+\s+)?(?:hear|know|be told|be informed|be hearing|get a call|be in touch))"
        r"\b",
        gate="regulat|ombudsman|ftc|ico|fca|cma|bbb|bureau|attorney general|trading standards|"
        "consumer|authorit|commissioner|watchdog|police",
    ),
    _rule(
        "en.legal.regulator",
        LEGAL,
        r"\b(?P<v>(?:fil|mak|lodg|report|submit)\w*\s+(?:a\s+|an\s+)?(?:\w+\s+)?police "
        r"(?:report|complaint)|police (?:report|complaint) (?:against|about|over|on))\b",
        gate="police",
    ),
    # The customer's lawyers working on their case against us.
    _rule(
        "en.legal.lawyers",
        LEGAL,
        r"\b(?:our|my|their|the customer'?s|his|her)\s+(?:\w+\s+)?(?P<o>lawyers?|attorneys?|"
        r"counsel|solicitors?|legal (?:team|department|dept))\s+(?:are|is|have been|has been|'re|"
        r"'s)\s+(?:now\s+|already\s+|currently\s+)?(?P<v>looking (?:at|into)|reviewing|checking|"
        r"assessing|examining|going (?:over|through)|studying|considering|preparing|drafting|"
        r"building|investigating|evaluating|reading|calculating|quantifying)\b",
        context=r"\b(?:breach\w*|compensation|damages|liab\w*|claims?|entitle\w*|recourse|remedies|"
        r"options|losses|incident|outage|the matter|this matter|what happened|refund|"
        r"termination|case|negligen\w*|credits)\b",
    ),
    _rule(
        "en.legal.lawyers",
        LEGAL,
        r"\b(?:the customer'?s|their|his|her|the client'?s)\s+(?:\w+\s+)?(?P<o>lawyers?|"
        r"attorneys?|solicitors?|counsel|legal (?:team|department|dept))\s+(?P<v>rang|called|"
        r"phoned|"
        r"e-?mailed|wrote|contacted (?:us|me)|got in touch|reached out|sent (?:us|me|a))\b",
    ),
    # --- safety and security ---------------------------------------------------------------
    _rule(
        "en.safety.threatened_people",
        SAFETY,
        rf"\b(?P<v>threat\w*|intimidat\w*|harass\w*|abus(?:e|ed|ing)|sw(?:ore|earing) at|"
        rf"yell\w* at|scream\w* at)\s+(?:to\s+)?(?P<o>{PEOPLE})\b"
        r"(?!\s+with\s+(?:legal|a lawsuit|lawyers|cancell?ation|termination|court|leaving|"
        r"churn))",
    ),
    _rule(
        "en.safety.threatened_people",
        SAFETY,
        rf"\b(?P<o>{PEOPLE}|(?:staff|agents?|reps?|engineers?|employees?))\s+(?:is|are|was|were|"
        r"has been|have been|got|keeps? getting)\s+(?:being\s+)?(?P<v>harass\w*|threaten\w*|abused|"
        r"intimidated|stalked|attacked|assaulted|bullied|doxx?ed)\b",
    ),
    _rule(
        "en.safety.threatened_people",
        SAFETY,
        r"\b(?P<v>death threats?|(?:violent|physical|serious) threats?|threats? (?:against|toward|"
        r"towards) (?:our|your|the|my|him|her|them|us|me)|threatening (?:messages?|e-?mails?|"
        r"calls?|voicemails?|letters?|"
        r"language|behaviou?r)|(?:was|were|got|became|being|is|are) (?:very |quite |extremely |"
        r"really |increasingly )?(?:threatening|abusive|aggressive|violent|intimidating)|"
        r"(?:some|all|one|many|most|several|a few) of (?:them|which|those|these) (?:were |was )?"
        r"(?:openly |quite |very )?(?:threatening|abusive|violent|threats))\b"
        r"(?!\s+to\b)",
    ),
    _rule(
        "en.safety.violence",
        SAFETY,
        r"\b(?P<v>threat\w* to (?:hurt|harm|kill|attack|beat|punch|stab|shoot|assault|hit|slap|"
        r"strangle|choke))\b",
    ),
    _rule(
        "en.safety.violence",
        SAFETY,
        r"\b(?P<v>hurt|harm|kill|beat(?: up)?|punch|shoot|stab|attack|assault|hit|slap|smash|"
        rf"find|come after|go after|deal with)\s+(?!me\b)(?P<o>{PEOPLE})\b"
        r"(?!\s+(?:know|the|a|an|on|with|about|for|in|through|by|who|else|to|that|which)\b)",
    ),
    _rule(
        "en.safety.violence",
        SAFETY,
        r"\b(?P<v>(?:will|would|'ll|could|going to|gonna) get hurt|make (?:you|them|him|her|"
        r"everyone) (?:regret|pay|sorry)|you'?ll (?:be sorry|regret)|watch (?:your|their|our|his|"
        r"her|my) backs?|"
        r"knows? (?:what|which) car (?:\w+ )?drives?|knows? where (?:\w+ )?(?:parks|works|lives)|"
        r"knows? (?:her|his|their|your)(?: [\w]+'s)? (?:home )?(?:address|schedule|car|kids|"
        r"children|family)|teach (?:you|them|him|her|your (?:\w+ )?\w+|(?:the|that|this) \w+) "
        r"a lesson(?! (?:on|in|about|from|at|for))|"
        r"something (?:bad|terrible|nasty|awful|unpleasant) "
        r"(?:is going to|will|might|could|may|is gonna) happen to (?:you|your|them|him|her|"
        r"someone)|(?:brick|rock|stone)s? through (?:your|"
        r"the|their|his|her) (?:\w+ )?windows?|smash (?:your|the|their) windows?|"
        r"knows? where (?:\w+ ){1,4}lives?|find out where (?:\w+ ){0,4}lives?|"
        r"pay (?:you|them|him|her|your office) a visit|(?:show|turn)(?:s|ed|ing)? up at "
        r"(?:your|the|our|his|her) (?:[\w']+ )?(?:office|premises|home|house|door)|"
        r"storm\w* (?:into|in)|"
        r"wait\w* outside|burn (?:\w+ ){0,3}down|burn your|set fire|torch (?:the|your)|bomb|"
        r"shoot (?:up|the)|violence|physical\w* harm|break (?:his|her|your|their|someone'?s|"
        r"[\w]+'s) (?:legs?|arms?|neck|face|bones|jaw)|(?:smash|trash|wreck|destroy|burn)\w* "
        r"(?:up )?(?:the|your|our) (?:place|office|offices|store|shop|building)|(?:make sure|"
        r"ensure) (?:[\w']+ ){0,3}['\"]?"
        r"regrets? (?:it|this))\b"
        r"(?!\s+(?:for|to)\s+(?:a|the)\s+(?:demo|meeting|workshop|training|visit))",
    ),
    _rule(
        "en.safety.violence",
        SAFETY,
        r"\b(?P<v>threat\w*|said|saying|says|warn\w*|vow\w*|promis\w*)\b(?:\s+\S+){0,10}?\s+"
        r"(?P<o>(?:come|coming|show up|turn up|go|going|visit|drive|fly|send (?:people|someone|"
        r"somebody|guys|men|his (?:friends|people))) (?:down |round |over )?(?:to|over to) "
        r"(?:your|the|our|my) (?:\w+ )?(?:office|offices|premises|home|house|building|hq|"
        r"headquarters))\b(?!\s+(?:for|to)\s+(?:a|the)\s+(?:demo|meeting|workshop|training))",
    ),
    _rule(
        "en.safety.violence",
        SAFETY,
        rf"\b(?P<v>wait\w*|follow\w*|find|meet)\s+(?:for\s+)?(?P<o>{PEOPLE})\s+(?:\w+\s+){{0,3}}?"
        r"(?:outside|in the (?:parking|car park|street)|after (?:work|their shift|hours)|"
        r"at (?:home|their house|the door)|parking (?:lot|garage))",
    ),
    _rule(
        "en.safety.violence",
        SAFETY,
        r"\b(?:has|have|had|got|bring\w*|brought|carry\w*|own\w*|with)\s+(?:a|an|his|her|my)?\s*"
        r"(?:\w+\s+)?(?P<v>guns?|knife|knives|weapons?|firearms?|rifle|pistol|explosives?|bat)\b"
        r"(?!\s+(?:file|script))",
    ),
    _rule(
        "en.safety.violence",
        SAFETY,
        r"\b(?P<v>ruin\w*|destroy\w*|make)\s+(?:[\w']+\s+){0,4}?(?P<o>li(?:fe|ves)|careers?)"
        r"(?:\s+(?:a\s+)?(?:hell|miserable|difficult))?\b",
        context=r"\b(?:his|her|your|their|our|staff|rep|agent|engineer|csm|manager|"
        r"[a-z]+'s)\b",
    ),
    _rule(
        "en.safety.violence",
        SAFETY,
        r"\b(?P<v>ha(?:ve|s|d)|got|know\w*|found|find|track\w* down|dug up|digging up)\s+"
        r"(?:[\w']+\s+){0,4}?(?P<o>(?:home )?address(?:es)?|where (?:\w+ ){1,3}li(?:ve|ves))\b",
        context=r"\b(?:our|your|their|his|her|the)\s+(?:\w+\s+)?(?:staff|agents?'?|employees?'?|"
        r"engineers?'?|reps?'?|team|people|csms?|managers?'?|support)",
    ),
    _rule(
        "en.safety.violence",
        SAFETY,
        r"\b(?P<v>pay (?:[\w']+ ){1,3}a (?:little |personal )?visit)\b",
        context=r"\b(?:friends|guys|people|boys|threat\w*|or else)\b|'pay",
    ),
    _rule(
        "en.safety.expose_people",
        SAFETY,
        r"\b(?P<v>post\w*|publish\w*|shar\w*|leak\w*|expos\w*|put\w*|spread\w*|tweet\w*|"
        r"go(?:es|ing)? (?:to the press|to the media|public) with|went (?:to the press|"
        r"public) with|"
        r"plaster\w*|name and shame|tag\w*)\b(?:\s+\S+){0,5}?\s+(?P<o>(?:(?:staff|employees?'?|"
        r"engineers?'?|agents?'?|reps?'?|team|personal|home|people'?s|everyone'?s|csm'?s?|"
        r"managers?'?|your|our|their|the|his|her)\S*\s+){0,3}(?:names?|address(?:es)?|"
        r"phone numbers?|photos?|"
        r"pictures?|identities|profiles?|screenshots?|personal (?:information|info|data|details)|"
        r"(?<=agent's )(?:\w+ )?numbers?|(?<=rep's )(?:\w+ )?numbers?)|"
        r"(?:our|your|the|their)\s+(?:staff|employees|engineers|agents|reps|people|team|csms?|"
        r"managers)'?s?\s+(?:\w+\s+)?(?:salaries|details|information|info|emails|messages|"
        r"records|data|numbers|accounts|families))\b",
        context=r"\b(?:online|social media|twitter|linkedin|reddit|facebook|internet|web|"
        r"glassdoor|publicly|everywhere|forum|threat\w*|on x|instagram|tiktok|posted|tagg\w*)\b",
    ),
    # Spreading what they hold about our people: "screenshots of your agent's Facebook ... I'll
    # share them everywhere", "tell everyone online where your CEO's kids go to school".
    _rule(
        "en.safety.expose_people",
        SAFETY,
        r"\b(?P<v>(?:share|post|publish|spread|leak|put|upload|plaster|send|circulate|tweet)\w*"
        r"\s+(?:them|it|those|these|this|that)\s+(?:\w+\s+){0,2}?(?:everywhere|online|all over|"
        r"on (?:social|twitter|x|facebook|linkedin|reddit|instagram|tiktok|the internet)|publicly|"
        r"to everyone))\b",
        context=r"\b(?:staff|agent'?s?|employees?'?s?|engineer'?s?|rep'?s?|csm'?s?|manager'?s?|"
        r"ceo'?s?|cfo'?s?|personal|family|kids|home|facebook|instagram|linkedin|photos?|"
        r"pictures?|address\w*)\b",
        gate="everywhere|online|all over|publicly|to everyone|on social|on twitter|on x|"
        "on facebook|on linkedin|on reddit|on instagram|on tiktok|on the internet",
    ),
    _rule(
        "en.safety.expose_people",
        SAFETY,
        r"\b(?P<v>(?:tell|show|let|post|share|publish|announce)\w*\s+(?:\w+\s+){0,3}?where)\s+"
        r"(?P<o>(?:[\w']+\s+){0,4}?(?:lives?|kids|children|family|wife|husband|go(?:es)? to "
        r"school|parks|works out|stays))\b",
        gate="where",
    ),
    _rule("en.safety.expose_people", SAFETY, r"\b(?P<v>dox\w*|name and shame)\b"),
    _rule(
        "en.safety.intrusion",
        SAFETY,
        r"\b(?:will|would|'ll|'d|going to|gonna|threaten\w* to|could|can|plan\w* to|tried to|he|"
        r"she|"
        r"they|someone|somebody|customer|caller|user|"
        r"attempt\w* to|try to|trying to|and|then|easily)\s+(?:\w+\s+){0,2}?"
        r"(?P<v>hack\w*(?!\s+(?:together|around|up|a fix|a workaround|something))|break into|"
        r"get into|ddos\w*|breach|brute[- ]forc\w*|wipe|"
        r"access (?:\w+ ){0,4}without (?:permission|authori[sz]ation|consent)|"
        r"(?:leak|expose|publish|dump|release|sell) (?:[\w']+ ){0,4}?(?:data|e-?mails|documents|"
        r"records|files|information|credentials|"
        r"passwords|database|source code|contracts|details)|"
        r"steal (?:\w+ ){0,3}?(?:data|credentials|passwords|records)|"
        r"leak\w* (?:[\w']+ ){0,5}?(?:to (?:the )?(?:press|media|journalists|reporters|competitors|"
        r"public|internet)|online)|"
        r"(?:log\w* in|sign\w* in|get in|access\w*) (?:[\w']+ ){0,5}?(?:with|using) (?:stolen|"
        r"someone else'?s|fake|leaked) (?:credentials|passwords?|logins?|accounts?))\b"
        r"(?P<o>\s+(?:into\s+)?(?:your|the|our)\s+(?:\w+\s+)?(?:servers?|systems?|data|database|"
        r"network|platform|accounts?|admin|console|environment))?",
    ),
    # Destroying or locking up our data or systems.
    _rule(
        "en.safety.intrusion",
        SAFETY,
        r"\b(?:i|i'?ll|i'?m|he|she|they|he'?ll|she'?ll|they'?ll|customer|caller|someone)\s+"
        r"(?:[\w']+\s+){0,3}?(?P<v>(?:delet|wip|eras|encrypt|nuk)(?:e|ing)|destroy(?:ing)?|"
        r"corrupt(?:ing)?|trash(?:ing)?)\s+(?:all\s+|every\s+)?(?:of\s+)?(?P<o>(?:your|the "
        r"company'?s)\s+(?!(?:test|sandbox|demo|dummy|sample|old|duplicate)\b)(?:\w+\s+)?(?:data|"
        r"database|records|files|systems?|servers?|backups))\b",
        gate="delet|wip|eras|encrypt|nuk|destroy|corrupt|trash",
    ),
    # Still holding access: "I still have admin credentials ... and I'm not afraid to use them".
    _rule(
        "en.safety.intrusion",
        SAFETY,
        r"\b(?P<v>still (?:have|has|got|hold|know|keep)|(?:have|has) kept|kept|never (?:deleted|"
        r"revoked|gave back|returned))\s+(?:[\w']+\s+){0,4}?(?P<o>credentials|passwords?|logins?|"
        r"admin (?:access|rights)|root access|access|keys|tokens|api keys?|backdoor)\b",
        negatable=False,
        context=r"\b(?:afraid|use (?:it|them|that|those)|whenever (?:i|we) (?:want|like)|any ?time|"
        r"or else|don'?t make me|careful|if you|unless you|could easily|get in|log in|watch)\b",
        gate="still|kept|never",
    ),
    _rule(
        "en.safety.intrusion",
        SAFETY,
        r"\b(?P<v>(?:try|tried|trying|guess\w*|test\w*|cycl\w*) (?:\w+ ){0,2}?passwords? "
        r"(?:on|against|for))\s*"
        r"(?P<o>(?:our|your|the|staff|admin|other people'?s|someone else'?s)\s+(?:\w+\s+)?"
        r"(?:accounts?|logins?|users?|admins?))\b(?!\s+(?:page|screen|form|button|field|flow)s?\b)",
        gate="password",
    ),
    _rule(
        "en.safety.intrusion",
        SAFETY,
        r"\b(?:threaten\w* to|will|'ll|going to|gonna)\s+(?P<v>(?:upload|post|share|sell|dump|"
        r"publish|send|leak|release)\w*)\s+(?:[\w']+\s+){0,5}?(?P<o>(?:user|customer|client|"
        r"contact|staff|employee|email|mailing) (?:list|lists|database|data|export)|export of)\b",
        gate="list|database|data|export",
    ),
    # Coming to our people: to the office, back with something, round to have a word.
    _rule(
        "en.safety.violence",
        SAFETY,
        r"\b(?P<v>come back (?:here )?with (?:something|friends|people|some(?:one|body)|the boys|a "
        r"few|his|her|my|a (?:bat|gun|knife))|send\w* (?:some(?:one|body)|people|guys|men|a few "
        r"\w+|the boys|my (?:\w+ )?(?:friends|guys|people))\s+(?:round|over|down)?\s*to (?:your|"
        r"the|"
        r"our|his|her|their) (?:\w+ )?(?:office|offices|home|house|place|premises|building))\b",
        negatable=False,
        gate="come back|send",
    ),
    _rule(
        "en.safety.violence",
        SAFETY,
        r"\b(?P<v>(?:come|show up|turn up|drop by|pay a visit|go|head|drive|walk)\w*)\s+"
        r"(?:(?:down|round|over|straight|right)\s+)?(?:to|at)\s+(?P<o>(?:your|the|our|his|her|"
        r"their) (?:[\w']+ )?(?:office|offices|home|house|premises|building|hq|headquarters))\b"
        r"(?!(?:\s+[\w']+){0,3}?\s+(?:for|to attend|to join|to run|to do|to present|to sign)\s+"
        r"(?:the|a|an|our|your)\s+(?:[\w-]+\s+)?(?:kick-?off|workshop|meeting|demo|training|review|"
        r"session|visit|lunch|presentation|onsite|contract|signing))",
        context=r"\b(?:personally|in person|myself|to collect|have a word|sort (?:this|it|you|him|"
        r"her|them) out|settle this|deal with|see (?:you|him|her|them) (?:face|myself|in person)|"
        r"face to face|uninvited|unannounced|won'?t be pleasant|whether you like it|and then)\b",
        gate="office|home|house|premises|building|hq|headquarters",
    ),
    _rule(
        "en.safety.violence",
        SAFETY,
        rf"\b(?P<v>find|catch|get|corner|track\w* down|hunt\w* down|come for|wait\w* for|"
        rf"follow\w*)\s+(?P<o>{PEOPLE}|(?:your|the|our)\s+(?:\w+\s+)?(?:engineer|agent|rep|manager|"
        r"csm|ceo|cfo|receptionist|account manager|staff member)s?)\s+(?:\w+\s+){0,2}?"
        r"(?:on the street|in the street|outside|after work|(?:at )?home|in the car ?park|in the "
        r"parking (?:lot|garage)|on (?:their|his|her) way home|when (?:he|she|they) leaves?)\b",
        gate="street|outside|after work|home|car park|carpark|parking|way home|leave",
    ),
    _rule(
        "en.safety.violence",
        SAFETY,
        r"\b(?P<v>(?:wait|lurk|hang around|stand|sit|park)\w*)\s+(?:\w+\s+){0,2}?(?:in|at|outside|"
        r"by|near)\s+(?:the |your |our |their )?(?P<o>car ?park|parking (?:lot|garage)|street|"
        r"(?:staff |employee )?(?:entrance|exit)|(?:his|her|their) (?:car|house|home))\b",
        context=r"\bfor (?:the |your |our |him|her|them)?(?:\w+ )?(?:manager|agent|rep|engineer|"
        r"staff|"
        r"employee|csm|receptionist|him|her|them)\b|\buntil (?:he|she|they) (?:comes?|leaves?)\b",
        gate="car park|carpark|parking|street|entrance|exit|car|house|home",
    ),
]


# Words (stems, "|" between them) one of which a sentence must hold before a family's patterns
# are tried: most sentences hold none, and a substring test is far cheaper than the patterns.
GATES = {
    "en.cancellation.end_contract": (
        r"cancel|terminat|end|exit|quit|discontinu|clos|drop|ditch|dump|leav|left|walk|pull|"
        r"back|get|rescind|break|churn|out|gone|done|sunset|offboard|phas|decommission|rip|"
        r"migrat|mov|wind|opt|tak|took|business|money|spend|budget|enough|had it|part|close|"
        r"verge|brink|near|about to|ready to|one step|want|lost|tender|rfp"
    ),
    "en.cancellation.not_renew": (
        r"renew|sign|re-up|reup|extend|continu|stay|stick|keep|proceed|work|partnership|"
        r"relationship|extension|hold|ice|approv|budget|renewed|extended|continued|signed|"
        r"paying|using"
    ),
    "en.cancellation.other_vendor": (
        r"competit|vendor|provider|supplier|partner|another|other|different|alternative|rival|"
        r"elsewhere|replac|substitute|else|company|switch|mov|migrat|sign|went|go|chose|choos|"
        r"select|decided|opted|forward|consolidat|standardi|transition|port|leav|left|exit|"
        r"part|ditch|dump|drop|quit|churn|wind|walk|pull|offboard|sunset|phas|get|bring|roll|"
        r"adopt|implement|deploy|review|trial|pilot|testing|evaluat|demo|looking at|talking to|"
        r"in talks|someone|somebody|find|shortlist|short-list|preferred|look|search|hunt|"
        r"lookout|approached|offer|courted|compar|replacement"
    ),
    "en.cancellation.stop_using": (
        r"stop|no longer|done with|finished with|through with|zero| 0|account|off|charging|billing|"
        r"invoicing|done|back to|"
        r"in-house|inhouse"
    ),
    "en.cancellation.no_value": r"value|point|reason|sense|benefit",
    "en.cancellation.relationship": (
        r"relationship|partnership|collaboration|arrangement|contract"
    ),
    "en.cancellation.reconsider": r"reconsider|rethink|evaluat|reassess|question|whether|if",
    "en.cancellation.notice": (
        r"notice|renewal|cancellation|termination|exit|offboarding|right to|terminat|clause"
    ),
    "en.cancellation.churn": r"churn",
    "en.legal.lawyers": r"lawyer|attorney|counsel|solicitor|legal|law firm|advice|review",
    "en.legal.lawsuit": (
        r"sue|suing|lawsuit|litigat|legal|proceedings|class action|small claims|court|tribunal|"
        r"claim|suit|case|arbitration|injunction|legally|legal means|cease|reserv"
    ),
    "en.legal.damages": r"damages|losses|compensat|liable",
    "en.legal.regulator": (
        r"regulat|authorit|commission|ombudsman|ico|ftc|fca|cnil|bbb|bureau|attorney general|"
        r"trading standards|consumer|police|watchdog|cma|sec|cfpb|accc|ofcom|ofgem|finra|oaic|dpc|"
        r"edpb|hhs|ocr|council"
    ),
    "en.legal.notice": r"formal|notice|letter|breach|violat|legal means|legal channel|legal route",
    "en.safety.threatened_people": (
        r"threat|intimidat|harass|abus|swore|swearing|yell|scream|aggressive|violent|stalk|"
        r"attack|assault|bull|dox"
    ),
    "en.safety.violence": (
        r"hurt|harm|kill|beat|punch|shoot|stab|attack|assault|hit|slap|smash|find|after|"
        r"deal with|regret|pay|sorry|watch|lives|live|visit|show|turn|storm|wait|burn|bomb|"
        r"violen|office|premises|home|house|building|hq|headquarters|gun|knife|knives|weapon|"
        r"firearm|rifle|pistol|explosive|bat|ruin|destroy|life|career|follow|meet|outside|"
        r"parking|trash|wreck|place|break|legs|arm|neck|face|bones|jaw|car|drive|parks|works|"
        r"schedule|kids|children|family|threat|lesson|brick|rock|stone|window|happen to"
    ),
    "en.safety.expose_people": (
        r"name|address|phone|photo|picture|identit|personal|dox|profile|screenshot|salar|staff|"
        r"employee|engineer|agent|rep|team|manager|famil|press|media|public|tag"
    ),
    "en.safety.intrusion": (
        r"hack|break into|get into|ddos|breach|brute|wipe|without|leak|steal|expose|publish|"
        r"dump|release|sell|stolen|someone else|fake|leaked|press|media|journalist|reporter|"
        r"online|public|upload"
    ),
}


GATE_WORDS = {key: frozenset(words.split("|")) for key, words in GATES.items()}
GATE = Gate(
    [word for words in GATE_WORDS.values() for word in words]
    + [word for rule in RULES for word in rule.gate or ()]
)
# The rules each gate word lets run, so a sentence tries only the rules its words open.
RULES_BY_WORD: dict[str, list[int]] = {}
for _index, _rule_ in enumerate(RULES):
    for _word in _rule_.gate or GATE_WORDS[_rule_.key]:
        RULES_BY_WORD.setdefault(_word, []).append(_index)


def _fold(sentence: str) -> tuple[str, list[int] | range]:
    """The sentence folded for matching, and the offset in `sentence` of each folded char."""
    if sentence.isascii():
        return sentence.lower(), range(len(sentence))
    folded, where = [], []
    for index, char in enumerate(sentence):
        if char in "\u2018\u2019\u02bc\uff07":
            char = "'"
        for piece in unicodedata.normalize("NFKC", char).lower():
            folded.append(piece)
            where.append(index)
    return "".join(folded), where


def _negated(folded: str, start: int) -> bool:
    """A negation among the seven words before the act, inside its clause (a condition
    before the clause, "if this isn't fixed we will cancel", does not count)."""
    before = re.split(r"[,;:()]|\b(?:but|and|so|because|since|otherwise|or else)\b", folded[:start])
    before = CONDITION.split(before[-1])[-1]
    words = before.split()[-7:]
    return bool(NEGATION.search(" ".join(words)))


def _quoted_label(folded: str, start: int) -> bool:
    """The act opens a short quotation, as a label on screen is written: the "Cancel" button
    (a customer's own words in quotes, "done with you guys", are longer)."""
    if not start or folded[start - 1] not in "'\"\u201c\u2018":
        return False
    closing = re.compile(r"['\"\u201d\u2019](?!\w)").search(folded, start)
    quoted = folded[start : closing.start()] if closing else folded[start:]
    return len(quoted.split()) <= 3


def _trimmed(folded: str, start: int, end: int) -> tuple[int, int]:
    while start < end and folded[start].isspace():
        start += 1
    while end > start and folded[end - 1].isspace():
        end -= 1
    return start, end


def read(sentence: str) -> dict[str, tuple[str, tuple[tuple[int, int], ...]]]:
    """{flag: (rule, spans)} for an English sentence: the first rule that holds, per flag."""
    folded, where = _fold(sentence)
    if SETTLED.search(folded) or NOT_A_THREAT.search(folded):
        return {}
    third_party = THIRD_PARTY.search(folded)
    law_firm = LAW_FIRM.search(folded)
    found: dict[str, tuple[str, tuple[tuple[int, int], ...]]] = {}
    present = GATE.present(folded)
    asked = ASKED.search(folded)
    opened = sorted({index for word in present for index in RULES_BY_WORD.get(word, ())})
    for rule in (RULES[index] for index in opened):  # in RULES' order
        if rule.flag in found or (rule.flag == LEGAL and law_firm):
            continue
        if rule.context and not rule.context.search(folded):
            continue
        if rule.flag == SAFETY and (
            asked or (rule.key.endswith("intrusion") and SOFTWARE.search(folded))
        ):
            continue
        for match in rule.pattern.finditer(folded):
            start = match.start()
            if rule.negatable and _negated(folded, start):
                continue
            if rule.flag == CANCELLATION and _quoted_label(folded, start):
                continue
            if rule.proper and (
                not sentence[where[match.start("o")]].isupper()
                or THIRD_PARTY_SERVICE.search(match.group("what") or "")
            ):
                continue
            if HOW_TO.search(folded[:start]):
                continue
            verb = match.group("v") if "v" in match.groupdict() else ""
            if (verb or "").startswith(("leav", "left")) and PERSON.search(folded[:start]):
                continue
            if PAST.search(folded[max(0, start - 40) : match.end()]) and TURNED.search(
                folded, match.end()
            ):
                continue
            if third_party and third_party.start() < start and rule.flag in (CANCELLATION, LEGAL):
                continue
            named = match.groupdict()
            groups = [
                match.span(name) for name in ("n", "v", "o") if (named.get(name) or "").strip()
            ]
            spans = [_trimmed(folded, a, b) for a, b in groups or [match.span()]]
            if named.get("n"):
                word = NEGATION_WORD.search(folded, *match.span("n"))
                spans[0] = word.span() if word else spans[0]
            spans = [(where[a], where[b - 1] + 1) for a, b in spans if a < b]
            found[rule.flag] = (rule.key, merged(spans))
            break
    cues = (
        None
        if asked or (CANCELLATION in found and SAFETY in found)
        else LEXICON_GATE.present(folded)
    )
    for flag in (CANCELLATION, SAFETY):
        lexical = None if flag in found or not cues else _by_vocabulary(folded, flag, cues)
        if lexical and not (flag == CANCELLATION and third_party):
            key, match = lexical
            a, b = _trimmed(folded, *match.span("v"))
            found[flag] = (key, ((where[a], where[b - 1] + 1),))
    return found


# --- safety by vocabulary ----------------------------------------------------------------------
# The rules above read sentence shapes; these read words. A sentence that holds a cue of one of
# the classes below is flagged unless a generic guard says it is about something else: our own
# software's behaviour, business figures, a security question, a how-to, another company.
# A class may also need a target in the sentence (our people, premises or systems).
STAFF = (
    r"\b(?:agents?|reps?|representatives?|engineers?|staff|employees?|csms?|managers?|"
    r"receptionists?|colleagues?|team|people|you|your|her|him|them|someone|anyone|everyone|"
    r"[a-z]+'s)\b"
)
SYSTEMS = (
    r"\b(?:your|our|the company'?s|their)\s+(?:[\w']+\s+){0,2}?(?:systems?|servers?|site|"
    r"website|network|platform|database|data|files|records|tenant|source code|api|"
    r"infrastructure|backups?|accounts?|helpdesk|portal|app|service)\b"
)
LEXICON = [
    # Violence against people or premises.
    (
        "en.safety.violence",
        r"\b(?P<v>punch\w*|stab\w*|shoot(?:s|ing)?(?! (?:a|the|some|our|new|down) )|"
        r"beat(?:s|ing)? (?:\w+ )?up|kill\w*(?! (?:me|us|myself|ourselves|it)\b)|"
        r"strangl\w*|throttl\w* (?:him|her|you|them|your)|chok\w* (?:him|her|you|them)|"
        r"(?:hit|kick|slap|smack|thump|deck|batter|headbutt|knee)\w* (?:him|her|you|them|someone|"
        r"somebody|anyone|your \w+|the (?:next )?(?:engineer|agent|rep|manager|receptionist|guy))|"
        r"knock (?:\w+ )?out|rough (?:\w+ )?up|sort (?:him|her|you|them|your \w+) out|"
        r"(?:get|getting|got|end up|ends up) hurt|hurt (?:someone|somebody|anyone|you|him|her|"
        r"them|your|our|the)|catch(?:es)? fire|on fire|set fire|burn\w* (?:\w+ ){0,3}down|arson|"
        r"torch\w*|(?:fire)?bomb\w*|blow\w* (?:\w+ ){0,2}up|petrol|gasoline|acid|"
        r"smash\w* (?:\w+ ){0,3}(?:up|windows?|doors?|cars?|vans?)|"
        r"break\w* (?:\w+ ){0,2}(?:windows?|doors?|legs?|arms?|neck|nose|jaw)|"
        r"trash\w* (?:the|your|our)|wreck\w* (?:the|your|our)|vandal\w*|"
        r"key(?:s|ed|ing)? (?:the|your|our|his|her|their) (?:\w+'s )?(?:car|van)|"
        r"slash\w* (?:\w+ ){0,3}(?:tyres|tires)|throw\w* (?:\w+ ){0,2}(?:brick|rock|stone)|"
        r"(?:gun|knife|knives|weapon|machete|baseball bat|crowbar)s?|"
        r"(?:a few|some|my|the) (?:lads|boys|mates|heavies|friends|guys|cousins)"
        r"(?: together| round)?|"
        r"won'?t make it (?:back|home)|(?:nobody|no one|none of (?:you|them)) (?:[\w']+ ){0,4}?"
        r"(?:feels?|is|are|will be|stays?) safe|(?:won'?t|will not|never|not) (?:feel |be |stay )?"
        r"safe|unsafe|"
        r"in one piece|in (?:a|the) hospital|six feet under|body bag)\b",
        STAFF + r"|\b(?:office|offices|building|warehouse|shop|store|premises|place|site|car|"
        r"reception|depot|branch|van|house|home)\b",
    ),
    # Intimidation and veiled menace.
    (
        "en.safety.intimidation",
        r"\b(?P<v>(?:had|'d) better (?:stay|keep|watch|be careful|not|sleep|look)|"
        r"watch (?:yourself|herself|himself|themselves|your back|their backs?|out)|"
        r"look(?:ing)? over (?:your|his|her|their) shoulders?|"
        r"be careful (?:walking|going|driving|at night|out there|who|what)|careful walking|"
        r"stay away from|keep away from|(?:would be|be) a (?:shame|pity) if|"
        r"something (?:bad |nasty |terrible )?(?:might|could|would|will|may) happen|"
        r"make (?:you|them|him|her|everyone|your \w+) (?:pay|suffer|sorry|regret)|"
        r"pay (?:dearly|for this|for that)|(?:you|they|he|she)'?(?:ll| will) (?:regret|be sorry)|"
        r"won'?t forget (?:it|this|you|your face)|know your face|remember (?:your|his|her) face|"
        r"know (?:who you are|where you|where to find)|(?:we|i|he|she) know where|"
        r"mess(?:es|ing)? with (?:him|her|me|them)|or else|days are numbered|"
        r"(?:this|it) (?:isn'?t|is not|ain'?t) over|you'?ve been warned|you have been warned|"
        r"last warning|final warning|(?:be|are|get|feel) (?:very )?(?:afraid|scared|frightened)|"
        r"fear for|(?:which|what) school|(?:your|his|her|their|[a-z]+'s) (?:kids|children)(?:'s)? "
        r"(?:go to|school)|what car|"
        r"what time (?:\w+ ){0,4}(?:closes|leaves|finishes|gets off|goes home)|"
        r"which (?:door|entrance|exit)|wants? a word with|have a word with|in person|personally|"
        r"face to face|don'?t know who you'?re dealing with|"
        r"wait and see what happens|see what happens|(?:you|they)'?ll see)\b",
        STAFF,
    ),
    # Exposing our people's personal information.
    (
        "en.safety.expose_people",
        r"\b(?P<v>(?:post|publish|spread|share|leak|put|upload|plaster|circulate|tweet|"
        r"hand|sell|dump|broadcast|give|expos)\w* (?:[\w']+ ){0,6}?(?:phone numbers|(?:home |"
        r"private |personal |mobile |cell )(?:address\w*|numbers?|phones?|e-?mails?|details|"
        r"info\w*|photos?|instagram|facebook|accounts?)|addresses|names|faces|families|"
        r"where (?:\w+ ){0,3}lives?)|"
        r"(?:give|hand|send)\w* (?:it|them|those) (?:out|around|to everyone)|"
        r"(?:phone numbers?|mobile numbers?|home address\w*|personal details|names|photos|"
        r"where (?:\w+ ){0,3}lives?) (?:[\w']+ ){0,6}?(?:on|onto|to|all over|around) "
        r"(?:a |the |every )?(?:forum|internet|online|web|twitter|facebook|reddit|group|social|"
        r"linkedin|tiktok|instagram|everyone)\w*|"
        r"(?:asking|ask\w*|find\w* out|found out|knows?|know|dig\w* up|look\w* up) "
        r"(?:\w+ ){0,2}?where (?:\w+ ){0,3}(?:lives?|parks|sleeps|stays)|"
        r"(?:commute|route home|way home|daily routine|home address|mobile number|"
        r"personal (?:number|mobile|phone|e-?mail|instagram|facebook))|dox\w*|"
        r"(?:date of birth|social security|car registration|number plate))\b",
        STAFF,
    ),
    # Breaking into, taking down, leaking or destroying our systems and data.
    (
        "en.safety.intrusion",
        r"\b(?P<v>(?:crash|shut|take|bring|knock|pull)\w* (?:[\w']+ ){0,4}?(?:down|offline|"
        r"off ?line)|crash\w*|go dark|fall\w* over|lock\w* (?:us|you|everyone|your \w+) out|"
        r"ransomware|malware|virus|trojan|keylogger|backdoor|ddos\w*|hack\w*|break\w* into|"
        r"get\w* into (?:your|the|our)|plant\w*|phish\w*|exfiltrat\w*|inject\w*|"
        r"brute[- ]?forc\w*|take over (?:your|the|our)|log\w* in as|impersonat\w*|"
        r"(?:spam|flood|bombard|swamp|overload)\w* (?:[\w']+ ){0,3}?(?:inbox|lines?|phones?|"
        r"support|servers?|site|website|queue|helpdesk|api|systems?)|"
        r"(?:delet|wip|eras|destroy|corrupt|nuk|encrypt|scrambl)\w* (?:[\w']+ ){0,3}?"
        r"(?:data|database|records|files|systems?|servers?|backups?|everything)|"
        r"(?:data|database|records|files|systems?|servers?|backups?) (?:are|is|get|gets|be|"
        r"were) (?:\w+ )?(?:wiped|deleted|erased|destroyed|corrupted|encrypted|leaked|gone)|"
        r"(?:hand|give|send|leak|sell|upload|post|publish|dump|release)\w* (?:[\w']+ ){0,6}?"
        r"(?:to|on|in|onto) (?:the |a )?(?:press|newspapers?|media|journalists?|reporters?|"
        r"public|internet|competitors?|forum|dark ?web|github|pastebin)\w*|"
        r"(?:release|leak|sell|dump|publish|expose)\w* (?:[\w']+ ){0,4}?(?:card|credit card|"
        r"payment|bank|login|personal|customer|customers'|client|patient|user|users') "
        r"(?:details|data|numbers|records|information|info|credentials)|"
        r"(?:internal|confidential|private) (?:files|documents|data|e-?mails|records))\b",
        SYSTEMS + r"|\b(?:them|it|everything|inbox|lines|phones|support|back ?end|details|"
        r"credentials)\b",
    ),
    # Turning up in person, following, stalking, harassing our people.
    (
        "en.safety.in_person",
        r"\b(?P<v>(?:turn|show)\w* up at|(?:be|wait\w*|stand\w*|hang\w* around|sit\w*|camp\w*|"
        r"stay\w*|sleep\w*|park\w*) (?:at|outside|in) (?:your |our |the )?(?:reception|lobby|"
        r"building|office|car ?park|door|entrance|doorstep|depot|branch|shop|store)|"
        r"outside (?:your|our|the) (?:building|office|house|home|door)|doorstep|"
        r"(?:follow|track|trail|tail)\w* (?:our|your|the|her|him|them)\b(?: (?:\w+'s )?(?:\w+ )?"
        r"(?:engineer|agent|rep|staff|van|car|manager|csm|driver|courier|receptionist)s?\b|"
        r"(?<=her)|(?<=him)|(?<=them))|stalk\w*|"
        r"(?:come|coming|go|going|head\w*|drive|driving) (?:round|down|over) (?:there|to)|"
        r"(?:visit|raid|storm)\w* (?:the|your|our) (?:depot|office|branch|warehouse|building|shop)|"
        r"wait\w* for (?:her|him|them|you) (?:when|after|outside|at)|"
        r"(?:won'?t|refuses? to|not going to) leave (?:until|till)|"
        r"(?:message|messag|text|call|ring|phon|email|dm)\w* (?:[\w']+ ){0,4}?(?:at home|on (?:her|"
        r"his|their) (?:personal|private|own)|at all hours|every (?:night|day|morning|hour)|"
        r"in the middle of the night)|at all hours)\b",
        STAFF,
    ),
]
LEXICON += [
    # Leaving us, by vocabulary: replacements, tenders, exit plans, a last term.
    (
        "en.cancellation.other_vendor",
        r"\b(?P<v>(?:shortlist|list|longlist|short-list)\w* of (?:\w+ )?(?:replacements|"
        r"alternatives|vendors|providers|suppliers|options)|rfps?|rfis?|tenders?|"
        r"(?:budget\w*|funding|money) for (?:a|an) (?:different|new|replacement|other|"
        r"alternative) (?:\w+ )?(?:crm|vendor|provider|tool|platform|system|solution|product)|"
        r"(?:three|two|several|some|a few|all|both) of your (?:rivals|competitors)|"
        r"exit (?:plan|strategy)|replacement (?:project|plan|programme|program))\b",
        r"\b(?:you|your|this|current|provider|vendor|rivals|competitors|replacements|"
        r"alternatives|different|new)\b",
    ),
    (
        "en.cancellation.end_contract",
        r"\b(?P<v>(?:last|final) (?:year|term|renewal|quarter|month|invoice|payment)"
        r" (?:we'?ll|we will|we are|we're|we'?d|they'?ll|they will) (?:be )?(?:pay|paying|renew|"
        r"renewing|using|use|with)|pull(?:s|ed|ing)? the plug|"
        r"(?:we'?re|we are|they'?re|they are|i'?m) (?:out|done|gone|off)(?=\s*(?:[.,;!]|$))|"
        r"renewal is off the table|off the table for (?:the )?renewal|"
        r"(?:so|before) (?:we|they) can (?:migrate|move|leave|switch|transition)|"
        r"(?:moving|move) on from (?:you|your|this)|(?:say|saying) goodbye to (?:you|your|this))",
        r"\b(?:term|contract|renewal|subscription|paying|this|you|your|plug|migrate|move|leave|"
        r"switch|transition|out|done|gone|off)\b",
    ),
]
# Gate words per class (substrings): a class's pattern runs only when the sentence holds one.
LEXICON_GATES = {
    "en.safety.violence": (
        "punch|stab|shoot|kill|strangl|throttl|chok|hit|kick|slap|smack|thump|deck|batter|butt|"
        "knee|knock|rough|sort|hurt|fire|burn|arson|torch|bomb|blow|petrol|gasoline|acid|smash|"
        "break|trash|wreck|vandal|key|slash|tyre|tire|throw|gun|knife|knives|weapon|machete|bat|"
        "crowbar|lads|boys|mates|heav|friends|guys|cousins|make it|safe|piece|hospital|feet|bag"
    ),
    "en.safety.intimidation": (
        "better|watch|shoulder|careful|away|shame|pity|happen|pay|regret|sorry|forget|face|know|"
        "mess|or else|numbered|over|warn|afraid|scared|frighten|fear|school|kids|children|car|"
        "what time|door|entrance|exit|word|person|dealing|see"
    ),
    "en.safety.expose_people": (
        "phone|address|names|faces|famil|lives|parks|sleeps|stays|commute|route|routine|mobile|"
        "personal|dox|birth|security|registration|plate|give|hand|send"
    ),
    "en.safety.intrusion": (
        "down|offline|off line|crash|dark|over|lock|ransom|malware|virus|trojan|keylog|backdoor|"
        "ddos|hack|into|plant|phish|exfil|inject|brute|log|impersonat|spam|flood|bombard|swamp|"
        "overload|delet|wip|eras|destroy|corrupt|nuk|encrypt|scrambl|press|newspaper|media|"
        "journalist|reporter|public|internet|competitor|forum|web|github|pastebin|details|"
        "internal|confidential|private"
    ),
    "en.safety.in_person": (
        "up at|reception|lobby|building|office|park|door|entrance|depot|branch|shop|store|outside|"
        "follow|track|trail|tail|stalk|round|down|over|visit|raid|storm|wait|leave|home|personal|"
        "private|own|hours|every|night"
    ),
    "en.cancellation.other_vendor": (
        "list|rfp|rfi|tender|budget|funding|money|rivals|competitors|exit|replacement"
    ),
    "en.cancellation.end_contract": (
        "last|final|plug|out|done|gone|off|table|migrate|move|leave|switch|transition|goodbye"
    ),
}
LEXICON = [
    (key, re.compile(pattern), re.compile(target) if target else None)
    for key, pattern, target in LEXICON
]
LEXICON_GATE = Gate(word for words in LEXICON_GATES.values() for word in words.split("|"))
LEXICON_GATE_WORDS = {key: frozenset(words.split("|")) for key, words in LEXICON_GATES.items()}
# Guards: what makes the same words harmless.
STOP = re.compile(r"\b(?:stop|quit|avoid|prevent|block)\s+(?:\w+\s+)?$")
SOFTWARE = re.compile(
    r"\b(?:process(?:es)?|jobs?|builds?|script|server load|load test\w*|memory|bugs?|cache|"
    r"migration|deploy\w*|release|staging|sandbox|test (?:records|data|environment|account)|"
    r"cron|worker|query|queries|update|patch|feature|retention|"
    r"cluster|container|pipeline|ci|demo|dashboard|app|upgrade|maintenance|rollout|outage|timeout)\b"
)
# A visit or a wait that was arranged: before the meeting, until security lets him in.
ARRANGED = re.compile(
    r"\b(?:meeting|appointment|visit|visits|demo|workshop|kick-?off|training|onsite|on-site|"
    r"interview|delivery|security|lets? (?:him|her|them|us) in|signed in|badge|booked|scheduled|"
    r"agreed|invited|drill|evacuation|lunch|parcel|package|shipment|order)\b"
)
# Words that put a leaving cue on an errand of its own: out of office, off the table for the
# feature, an RFP for our own customers.
OWN_ERRAND = re.compile(
    r"\b(?:out of (?:the )?office|feature|features|release|roadmap|holiday|vacation|leave|"
    r"our (?:own )?customers?|clients?'|we issued|we won|winning|respond(?:ed|ing)? to)\b"
)
MARKETING = re.compile(r"\b(?:marketing|leads|newsletters?|promotions?|offers|mailshots?)\b")
FIGURES = re.compile(
    r"\b(?:sales|numbers|figures|margins?|revenue|pricing|prices?|campaign|market|quarter|"
    r"reviews|stock|budget|competition|competitor|growth|conversion|deals?|pipeline|kpis?)\b"
)
SECURITY_QUESTION = re.compile(
    r"\b(?:pen(?:etration)?[- ]?test\w*|vulnerabilit\w*|disclosure|bug bounty|"
    r"password reset|reset (?:my|the|your|our|a) password|security (?:audit|review|"
    r"questionnaire|assessment|scan)|phishing (?:test|simulation|training))\b"
)
ASKED = re.compile(
    r"^(?:[\w ]+: )?(?:can|could|does|do|is|are|how|what|would|will|should|may)\b.*\?\s*$"
    r"|\b(?:is (?:that|it|this) (?:ok|okay|alright|fine|possible|allowed|permitted|a bug)|"
    r"(?:does|do) (?:the|your) (?:\w+ )?(?:platform|product|system|app|tool) (?:support|allow|"
    r"have|let))\b"
)
OTHER_COMPANY = re.compile(
    r"\b(?:(?:our|their) own (?:\w+ )?(?:warehouse|office|offices|company|staff|building|"
    r"site|store|shop|premises|people|team|servers?|systems?|network|data)|a vendor we use|"
    r"(?:our|their|a|the) (?:supplier|vendor|partner|client|customer|provider)'s|"
    r"one of our (?:vendors|suppliers|partners)|"
    r"a (?:vendor|supplier|partner) of ours|another company|(?:our|their) (?:competitor|rival)s?"
    r"|in the news)\b"
)
GUARDS = {
    "en.safety.violence": (SOFTWARE, FIGURES),
    "en.safety.intimidation": (ARRANGED,),
    "en.safety.expose_people": (),
    "en.safety.intrusion": (SOFTWARE, MARKETING),
    "en.safety.in_person": (SOFTWARE, ARRANGED),
    "en.cancellation.other_vendor": (OWN_ERRAND,),
    "en.cancellation.end_contract": (OWN_ERRAND,),
}


def _by_vocabulary(folded: str, flag: str, present: frozenset[str]):
    """(rule, match) for the first vocabulary cue the guards leave standing, or None. A guard
    word inside the cue itself ("release" in "release your card details") does not count."""
    if SECURITY_QUESTION.search(folded) or OTHER_COMPANY.search(folded):
        return None
    for key, pattern, target in LEXICON:
        if not key.startswith(f"en.{flag}.") or not present & LEXICON_GATE_WORDS[key]:
            continue
        if target and not target.search(folded):
            continue
        for match in pattern.finditer(folded):
            before, after = folded[: match.start()], folded[match.end() :]
            negated = not NEGATION.search(match.group()) and _negated(folded, match.start())
            if negated or HOW_TO.search(before) or STOP.search(before):
                continue
            if any(guard.search(before) or guard.search(after) for guard in GUARDS[key]):
                continue
            return key.replace("in_person", "violence"), match
    return None
