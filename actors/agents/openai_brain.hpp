#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "agents/brain.hpp"

namespace souk::agents {

/// A brain behind an OpenAI-compatible chat-completions endpoint (OpenAI, or any
/// server speaking the protocol: vLLM, llama.cpp, Ollama's /v1, ...).
/// It sends the session's context (product in focus, cart, recent turns, a slice of
/// the catalog) and the customer's message, and expects the completion's content to be
/// a souk.v1.BrainPlan in protobuf JSON. Anything else is an error, never a guess.
class openai_brain final : public brain {
 public:
  struct options {
    std::string base_url = "https://api.openai.com/v1";  // http:// or https://
    std::string model = "gpt-4o-mini";
    std::string api_key;  // sent as a bearer token; never logged
    std::chrono::milliseconds timeout{std::chrono::seconds(20)};
  };
  /// Options from the environment: SOUK_LLM_BASE_URL, SOUK_LLM_MODEL, SOUK_LLM_API_KEY
  /// (or OPENAI_API_KEY), over the defaults above.
  static options from_environment();

  openai_brain(options opts, std::shared_ptr<const catalog> shop);
  session::result<turn_plan> plan(const v1::SessionState& state,
                                  const std::string& message) override;
  bool slow() const override { return true; }

 private:
  std::string prompt(const v1::SessionState& state) const;
  options opts_;
  std::shared_ptr<const catalog> shop_;
};

}  // namespace souk::agents
