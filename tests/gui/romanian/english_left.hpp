#pragma once
// Reads a text shown to a Romanian user and says whether English is left in it: a message of
// our catalogs (agent/po/ro.po, agent/po/wx/ro.po) shown in its English form, or English words
// that no Romanian sentence holds ("the", "Please", "Cancel"). Names, numbers and words that
// are the same in both languages ("PIN", "token", "certagent") pass.
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

namespace certagent::testing {

class EnglishDetector {
  public:
    explicit EnglishDetector(const std::vector<std::filesystem::path>& catalogs);
    // "" when `text` reads as Romanian; else the English it found (a msgid or a word).
    std::string englishIn(const std::string& text) const;
    std::size_t messageCount() const { return messages_.size(); }

  private:
    struct Message {
        std::string msgid;
        std::regex pattern;  // the msgid with each {n} as "anything"
    };
    std::vector<Message> messages_;
};

}  // namespace certagent::testing
