#include "analyst/explain_phrases.hpp"

#include <array>
#include <cstddef>

namespace retain::analyst {

namespace {

// The English is what `retain explain` printed before it spoke Chinese: scripts and docs quote
// it. The Chinese is written for an account manager, not translated word for word; rule ids,
// field names and `max_tactics` stay as they are because they are what the rules and the CRM
// call them.
constexpr std::array kPhrases = {
    PhraseText{Phrase::NoId, "(no id)", "（无客户编号）"},
    PhraseText{Phrase::Tier, "tier", "客户分层"},
    PhraseText{Phrase::CreditGrade, "credit grade", "信用等级"},
    PhraseText{Phrase::ChurnRisk, "churn risk", "流失风险"},
    PhraseText{Phrase::Band, "band", "分档"},
    PhraseText{Phrase::Cause, "cause", "流失原因"},
    PhraseText{Phrase::When, "when", "判断依据"},
    PhraseText{Phrase::Tactic, "tactic", "挽留措施"},
    PhraseText{Phrase::Answers, "answers", "应对"},
    PhraseText{Phrase::Segment, "segment", "客户细分"},
    PhraseText{Phrase::Account, "account", "大客户措施"},
    PhraseText{Phrase::Credit, "credit", "信用检查"},
    PhraseText{Phrase::Undecided, "undecided (missing data)", "无法判定（缺少数据）"},

    PhraseText{Phrase::WhyNotOne, "Why not: 1 tactic not proposed",
               "为什么没有提出：1 项挽留措施未提出"},
    PhraseText{Phrase::WhyNotMany, "Why not: {n} tactics not proposed",
               "为什么没有提出：{n} 项挽留措施未提出"},
    PhraseText{Phrase::WhyNotIsProposed, "Why not: {tactic} is proposed (rank {rank})",
               "为什么没有提出：{tactic} 已经提出（排第 {rank} 位）"},
    PhraseText{Phrase::WhyNotAllProposed, "Why not: every tactic of the rules is proposed",
               "为什么没有提出：规则中的每一项挽留措施都已提出"},
    PhraseText{Phrase::Priority, "priority {priority}", "优先级 {priority}"},

    PhraseText{Phrase::BlockedNoCauseOne, "blocked: the cause it answers did not fire",
               "受阻原因：它所应对的流失原因没有出现"},
    PhraseText{Phrase::BlockedNoCauseMany, "blocked: none of the causes it answers fired",
               "受阻原因：它所应对的流失原因都没有出现"},
    PhraseText{Phrase::BlockedWhenFalse, "blocked: its condition (when) is false",
               "受阻原因：它的适用条件不成立"},
    PhraseText{Phrase::BlockedUnknown,
               "blocked: undecided: a value it needs is not known ({names})",
               "受阻原因：无法判定，所需的数据未知（{names}）"},
    PhraseText{Phrase::SeeBelow, "see below", "见下文"},
    PhraseText{
        Phrase::BlockedCooldown,
        "blocked: cooling down: {action} was taken {days} days ago, cooldown {cooldown} days",
        "受阻原因：仍在冷却期：{action} {days} 天前刚执行过，冷却期为 {cooldown} 天"},
    PhraseText{Phrase::BlockedCap,
               "blocked: eligible, but dropped by the cap: at most {max} tactics (max_tactics), "
               "and {n} rank before it by priority: {before}",
               "受阻原因：符合条件，但超出数量上限：最多提出 {max} 项挽留措施（max_tactics），"
               "按优先级排在它前面的已有 {n} 项：{before}"},

    PhraseText{Phrase::CauseNotFired, "did not fire", "未出现"},
    PhraseText{Phrase::CauseUndecided, "undecided (missing data)", "无法判定（缺少数据）"},
    PhraseText{Phrase::WhenHeading, "when:", "适用条件："},
    // The arrow belongs to the phrase: "true" alone is also a value the profile carries.
    PhraseText{Phrase::PartTrue, "→ true", "→ 成立"},
    PhraseText{Phrase::PartFalse, "→ false", "→ 不成立"},
    PhraseText{Phrase::PartUnknown, "→ unknown", "→ 未知"},
    PhraseText{Phrase::ValueUnknown, "unknown", "未知"},
    PhraseText{Phrase::ValueUnset, "unset", "未填写"},

    PhraseText{Phrase::SmallestChange,
               "smallest change: {field} {from} → {to}  (verified: re-evaluated, {tactic} is "
               "proposed)",
               "最小改动：把 {field} 从 {from} 改为 {to}（已验证：重新评估后会提出 {tactic}）"},
    PhraseText{Phrase::SmallestChangeStep,
               "smallest change: {field} {from} → {to}  (verified: re-evaluated, {tactic} is "
               "proposed; at {step} it is not)",
               "最小改动：把 {field} 从 {from} 改为 {to}（已验证：重新评估后会提出 {tactic}；"
               "取值为 {step} 时不会）"},
    PhraseText{Phrase::OrChange,
               "or:              {field} {from} → {to}  (verified: re-evaluated, {tactic} is "
               "proposed)",
               "或者：    把 {field} 从 {from} 改为 {to}（已验证：重新评估后会提出 {tactic}）"},
    PhraseText{Phrase::OrChangeStep,
               "or:              {field} {from} → {to}  (verified: re-evaluated, {tactic} is "
               "proposed; at {step} it is not)",
               "或者：    把 {field} 从 {from} 改为 {to}（已验证：重新评估后会提出 {tactic}；"
               "取值为 {step} 时不会）"},
    PhraseText{Phrase::NoChangeCooldown,
               "no single-field change makes it fire: {action} was taken {days} days ago and its "
               "cooldown is {cooldown} days, so it can be proposed again in {left} days",
               "只改一个字段无法提出它：{action} {days} 天前刚执行过，冷却期为 {cooldown} 天，"
               "{left} 天后才能再次提出"},
    PhraseText{Phrase::NoChangeCap,
               "no change to its own guard makes it fire: it is already eligible, and only {max} "
               "tactics may be proposed (max_tactics is {max}); it gets in only when one ranked "
               "before it goes",
               "改动它自身的条件无法提出它：它已符合条件，但最多只能提出 {max} 项挽留措施"
               "（max_tactics 为 {max}）；只有排在它前面的措施少了一项，它才会被提出"},
    PhraseText{Phrase::NoChangeNoField,
               "no single-field change makes it fire: its guard reads no profile field",
               "只改一个字段无法提出它：它的条件不读取客户档案中的任何字段"},
    PhraseText{Phrase::NoChangeNotFound,
               "no single-field change found: {tried} re-evaluations, each changing one of "
               "{fields}, did not propose it; it most likely needs more than one field to change",
               "没有找到只改一个字段的办法：每次改动 {fields} 中的一个字段，重新评估了 {tried} "
               "次，都没有提出它；很可能需要同时改动多个字段"},
    PhraseText{Phrase::NoChangeAlsoCooldown,
               ", and {action} was taken {days} days ago (cooldown {cooldown} days), so it would "
               "be held back even when eligible",
               "；另外 {action} {days} 天前刚执行过（冷却期 {cooldown} 天），即使符合条件也会暂缓"
               "提出"},
    PhraseText{Phrase::NoChangeBudget,
               "no single-field change found within the search budget of {tried} "
               "re-evaluations; the fields it did not reach were not tried, so one may exist",
               "在 {tried} 次重新评估的搜索上限内没有找到只改一个字段的办法；还有字段没有试到，"
               "不能排除只改一个字段就能提出它"},
    PhraseText{Phrase::BudgetNote,
               "(the search stopped at its budget of {tried} re-evaluations: a smaller change of "
               "a field it did not reach may exist)",
               "（搜索在 {tried} 次重新评估的上限处停止：没有试到的字段可能有更小的改动）"},
};

// phrase() indexes by the enum: a table out of order would silently swap phrases.
constexpr bool in_enum_order() {
  for (std::size_t i = 0; i < kPhrases.size(); ++i) {
    if (static_cast<std::size_t>(kPhrases[i].id) != i) return false;
  }
  return true;
}
static_assert(in_enum_order(), "kPhrases must list every Phrase in declaration order");
static_assert(kPhrases.size() == static_cast<std::size_t>(Phrase::BudgetNote) + 1,
              "every Phrase needs its texts");

}  // namespace

std::span<const PhraseText> phrase_table() {
  return kPhrases;
}

std::string_view phrase(Phrase id, std::string_view lang) {
  const PhraseText& p = kPhrases[static_cast<std::size_t>(id)];
  return lang == "zh" ? p.zh : p.en;
}

SummaryWords summary_words(const Langs& langs) {
  SummaryWords w;
  w.no_id = say(langs, Phrase::NoId);
  w.tier = say(langs, Phrase::Tier);
  w.credit_grade = say(langs, Phrase::CreditGrade);
  w.churn_risk = say(langs, Phrase::ChurnRisk);
  w.band = say(langs, Phrase::Band);
  w.cause = say(langs, Phrase::Cause);
  w.when = say(langs, Phrase::When);
  w.tactic = say(langs, Phrase::Tactic);
  w.answers = say(langs, Phrase::Answers);
  w.segment = say(langs, Phrase::Segment);
  w.account = say(langs, Phrase::Account);
  w.credit = say(langs, Phrase::Credit);
  w.undecided = say(langs, Phrase::Undecided);
  w.unknown = say(langs, Phrase::ValueUnknown);
  return w;
}

}  // namespace retain::analyst
