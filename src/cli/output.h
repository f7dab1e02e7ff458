#pragma once
// Human output: aligned tables and "Key: value" blocks; machine output: the API's JSON.
// Values come from API replies by dotted path ("actor.name"); absent or null values print "-".

#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/json.h"

namespace signet::cli {

// One value as text: strings as they are (control characters replaced by spaces), numbers and
// booleans in JSON form, arrays joined with ", ", objects as compact JSON, null/absent as "-".
std::string Text(const api::JsonValue& value);
// The value at a dotted path in `value`, as Text(); "-" when any step is missing.
std::string TextAt(const api::JsonValue& value, std::string_view dotted_path);

// The string at a dotted path exactly as sent (PEM, CSR); "" when absent or not a string.
std::string RawStringAt(const api::JsonValue& value, std::string_view dotted_path);

// Columns separated by two spaces, padded to the widest cell (widths in UTF-8 characters);
// the last column is not padded.
class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void AddRow(std::vector<std::string> cells);
  void Print(std::ostream& out) const;
  bool empty() const { return rows_.empty(); }

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// A table with one row per element of `items`, each column given as {header, dotted path}.
void PrintItems(std::ostream& out, const api::JsonArray& items,
                const std::vector<std::pair<std::string, std::string>>& columns);

// "Key:   value" lines, keys padded to the longest.
void PrintFields(std::ostream& out, const std::vector<std::pair<std::string, std::string>>& fields);

// Compact JSON and a newline.
void PrintJson(std::ostream& out, const api::JsonValue& value);

// Width of `text` in UTF-8 characters.
std::size_t DisplayWidth(std::string_view text);

}  // namespace signet::cli
