#include "agents/brain.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <sstream>

namespace souk::agents {
namespace {

std::string lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  std::string word;
  for (char c : lower(text) + " ") {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '\'') {
      word += c;
    } else if (!word.empty()) {
      out.push_back(word);
      word.clear();
    }
  }
  return out;
}

bool has(const std::vector<std::string>& ws, const std::string& w) {
  return std::find(ws.begin(), ws.end(), w) != ws.end();
}

std::string money(const v1::Money& m) {
  std::ostringstream out;
  out << (m.currency() == "USD" ? "$" : m.currency() + " ") << m.minor_units() / 100 << "."
      << (m.minor_units() % 100 < 10 ? "0" : "") << m.minor_units() % 100;
  return out.str();
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i)
    out += (i == 0 ? "" : i + 1 == items.size() ? " and " : ", ") + items[i];
  return out;
}

std::vector<std::string> colors_of(const v1::Product& p) {
  std::vector<std::string> colors;
  for (const auto& v : p.variants())
    if (!v.color().empty() && std::find(colors.begin(), colors.end(), v.color()) == colors.end())
      colors.push_back(v.color());
  return colors;
}

v1::RecordDecision decision(std::string kind, std::string reason, double confidence,
                            std::vector<std::string> fallbacks = {}) {
  v1::RecordDecision d;
  d.set_kind(std::move(kind));
  d.set_reason(std::move(reason));
  d.set_confidence(confidence);
  for (auto& f : fallbacks) d.add_fallbacks_tried(std::move(f));
  return d;
}

const std::map<std::string, int64_t>& quantity_words() {
  static const std::map<std::string, int64_t> words{
      {"a", 1}, {"an", 1}, {"one", 1}, {"it", 1}, {"two", 2}, {"three", 3}, {"four", 4},
      {"five", 5}, {"six", 6}};
  return words;
}

}  // namespace

rule_brain::rule_brain(std::shared_ptr<const catalog> shop) : shop_(std::move(shop)) {}

session::result<turn_plan> rule_brain::plan(const v1::SessionState& state,
                                            const std::string& message) {
  const auto ws = words(message);
  const std::string text = lower(message);
  turn_plan plan;
  auto command = [&]() -> v1::Command& { return plan.commands.emplace_back(); };
  const auto& focus_sku = state.conversation().focus_sku();
  auto focus = focus_sku.empty() ? std::nullopt : shop_->product(focus_sku);

  // Checkout.
  if (text.find("check out") != std::string::npos || has(ws, "checkout")) {
    command().mutable_checkout();
    plan.reply = "Taking you to payment.";
    plan.decision = decision("checkout", "the customer asked to check out", 0.95);
    return plan;
  }
  // A discount code: the word after "apply" or "code", as written.
  for (std::size_t i = 0; i + 1 < ws.size(); ++i)
    if (ws[i] == "apply" || ws[i] == "code") {
      std::string code = ws[i + 1];
      if (code == "code" && i + 2 < ws.size()) code = ws[i + 2];
      for (auto& c : code) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      command().mutable_apply_discount()->set_code(code);
      plan.reply = "Applying " + code + " to your cart.";
      plan.decision = decision("apply_discount", "the customer gave code " + code, 0.9);
      return plan;
    }
  // "ship to <lines>, <city>, <country>".
  if (auto at = text.find("ship to "); at != std::string::npos) {
    std::vector<std::string> parts;
    std::stringstream rest(message.substr(at + 8));
    for (std::string part; std::getline(rest, part, ',');) {
      part.erase(0, part.find_first_not_of(' '));
      part.erase(part.find_last_not_of(" .") + 1);
      if (!part.empty()) parts.push_back(part);
    }
    if (parts.size() < 3) {
      plan.reply = "Where should it go? Street, city and country, please.";
      plan.decision = decision("clarify", "an address needs street, city and country", 0.6);
      return plan;
    }
    auto& address = *command().mutable_set_shipping_address()->mutable_address();
    address.add_lines(parts[0]);
    address.set_city(parts[1]);
    std::string country = parts.back();
    for (auto& c : country) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    address.set_country(country);
    if (parts.size() > 3) address.set_region(parts[2]);
    plan.reply = "Shipping to " + parts[0] + ", " + parts[1] + ".";
    plan.decision = decision("set_address", "the customer gave a shipping address", 0.9);
    return plan;
  }
  // "add two" / "add it": the product in focus, in the variant selected for it.
  if (has(ws, "add")) {
    int64_t quantity = 1;
    for (const auto& w : ws) {
      if (auto it = quantity_words().find(w); it != quantity_words().end()) quantity = it->second;
      if (!w.empty() && std::all_of(w.begin(), w.end(), ::isdigit)) quantity = std::stoll(w);
    }
    if (!focus) {
      plan.reply = "Which product would you like to add?";
      plan.decision = decision("clarify", "nothing in focus to add", 0.5);
      return plan;
    }
    auto& add = *command().mutable_add_to_cart();
    add.set_sku(focus->sku());
    add.set_quantity(quantity);
    plan.reply = "Added " + std::to_string(quantity) + " x " + focus->name() + " to your cart.";
    plan.decision = decision("add_to_cart",
                             "the customer asked for " + std::to_string(quantity) + " of " +
                                 focus->name() + ", the product in focus",
                             0.85);
    return plan;
  }
  // A colour (or size) for the product in focus: "do you have it in blue?".
  std::string color, size;
  if (focus) {
    for (const auto& c : colors_of(*focus))
      if (has(ws, c)) color = c;
    for (std::size_t i = 0; i + 1 < ws.size(); ++i)
      if (ws[i] == "size") size = ws[i + 1];
  }
  if (!color.empty() || !size.empty()) {
    if (size.empty()) {
      auto preferred = state.customer().preferences().find("size");
      size = preferred != state.customer().preferences().end() ? lower(preferred->second) : "m";
    }
    if (color.empty()) {
      auto selected = state.conversation().selected_variants().find(focus->sku());
      for (const auto& v : focus->variants())
        if (selected != state.conversation().selected_variants().end() &&
            v.variant_id() == selected->second)
          color = v.color();
    }
    std::vector<std::string> tried;
    for (const auto& v : focus->variants()) {
      if ((!color.empty() && v.color() != color) || lower(v.size()) != size) continue;
      auto left = shop_->stock(focus->sku(), v.variant_id());
      if (left && *left == 0) {
        tried.push_back(v.variant_id() + " (sold out)");
        continue;
      }
      auto& select = *command().mutable_select_variant();
      select.set_sku(focus->sku());
      select.set_variant_id(v.variant_id());
      if (!color.empty()) {
        auto& pref = *command().mutable_learn_preference();
        pref.set_key("color");
        pref.set_value(color);
        pref.set_source("customer said so");
      }
      plan.reply = "Yes, the " + focus->name() + " comes in " + v.color() + ", size " + v.size() +
                   (left ? " (" + std::to_string(*left) + " in stock)." : ".");
      plan.decision = decision("select_variant",
                               "'" + message + "' refers to " + focus->name() + ", in focus",
                               0.8, tried);
      return plan;
    }
    plan.reply = "Sorry, the " + focus->name() + " is not available in " +
                 (color.empty() ? "" : color + " ") + "size " + size + " right now.";
    plan.decision = decision("clarify", "no such variant in stock", 0.7, tried);
    return plan;
  }
  // A product by name: the best overlap of the message's words with product names.
  const v1::Product* best = nullptr;
  std::size_t best_score = 0;
  std::vector<std::string> runners_up;
  for (const auto& p : shop_->products()) {
    std::size_t score = 0;
    for (const auto& w : words(p.name()))
      if ((w.size() > 2 || std::isdigit(static_cast<unsigned char>(w[0]))) && has(ws, w)) ++score;
    // Ties go to the name with fewer words: "trail jacket" is the Trail Jacket before
    // the Men's Trail Jacket.
    bool better = score > best_score ||
                  (score > 0 && score == best_score && words(p.name()).size() < words(best->name()).size());
    if (better) {
      if (best && runners_up.size() < 3) runners_up.push_back(best->sku());
      best = &p;
      best_score = score;
    } else if (score > 0 && score == best_score && runners_up.size() < 3) {
      runners_up.push_back(p.sku());
    }
  }
  if (best) {
    command().mutable_view_product()->set_sku(best->sku());
    auto colors = colors_of(*best);
    plan.reply = "The " + best->name() + " is " + money(best->price()) +
                 (colors.empty() ? "." : ". It comes in " + join(colors) + ".");
    plan.decision = decision("show_product",
                             "'" + message + "' names " + best->name() + " (" + best->sku() + ")",
                             std::min(1.0, 0.4 + 0.2 * best_score), runners_up);
    return plan;
  }
  plan.reply = "I can show you products, check colours and sizes, add to your cart, apply a "
               "code, ship and check out. What would you like?";
  plan.decision = decision("fallback", "no rule matched '" + message + "'", 0.2);
  return plan;
}

}  // namespace souk::agents
