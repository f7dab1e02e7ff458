#include "cli/output.h"

#include <algorithm>

namespace signet::cli {

std::size_t DisplayWidth(std::string_view text) {
  std::size_t n = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::string Text(const api::JsonValue& value) {
  switch (value.kind()) {
    case boost::json::kind::null:
      return "-";
    case boost::json::kind::string: {
      std::string s(value.as_string());
      for (char& c : s) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
      }
      return s.empty() ? "-" : s;
    }
    case boost::json::kind::array: {
      std::string out;
      for (const auto& item : value.as_array()) {
        if (!out.empty()) out += ", ";
        out += Text(item);
      }
      return out.empty() ? "-" : out;
    }
    default:
      return api::Serialize(value);
  }
}

namespace {

const api::JsonValue* Find(const api::JsonValue& value, std::string_view dotted_path) {
  const api::JsonValue* v = &value;
  while (!dotted_path.empty()) {
    const std::size_t dot = dotted_path.find('.');
    const std::string_view key = dotted_path.substr(0, dot);
    if (!v->is_object()) return nullptr;
    v = v->as_object().if_contains(key);
    if (v == nullptr) return nullptr;
    dotted_path = dot == std::string_view::npos ? std::string_view() : dotted_path.substr(dot + 1);
  }
  return v;
}

}  // namespace

std::string RawStringAt(const api::JsonValue& value, std::string_view dotted_path) {
  const api::JsonValue* v = Find(value, dotted_path);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::string TextAt(const api::JsonValue& value, std::string_view dotted_path) {
  const api::JsonValue* v = Find(value, dotted_path);
  return v == nullptr ? "-" : Text(*v);
}

void Table::AddRow(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

void Table::Print(std::ostream& out) const {
  std::vector<std::size_t> widths(headers_.size());
  for (std::size_t i = 0; i < headers_.size(); ++i) widths[i] = DisplayWidth(headers_[i]);
  for (const auto& row : rows_) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], DisplayWidth(row[i]));
    }
  }
  auto print_row = [&](const std::vector<std::string>& row) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - DisplayWidth(row[i]) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << '\n';
  };
  print_row(headers_);
  for (const auto& row : rows_) print_row(row);
}

void PrintItems(std::ostream& out, const api::JsonArray& items,
                const std::vector<std::pair<std::string, std::string>>& columns) {
  std::vector<std::string> headers;
  headers.reserve(columns.size());
  for (const auto& [header, path] : columns) headers.push_back(header);
  Table table(std::move(headers));
  for (const auto& item : items) {
    std::vector<std::string> cells;
    cells.reserve(columns.size());
    for (const auto& [header, path] : columns) cells.push_back(TextAt(item, path));
    table.AddRow(std::move(cells));
  }
  table.Print(out);
}

void PrintFields(std::ostream& out,
                 const std::vector<std::pair<std::string, std::string>>& fields) {
  std::size_t width = 0;
  for (const auto& [key, value] : fields) width = std::max(width, DisplayWidth(key));
  for (const auto& [key, value] : fields) {
    out << key << ':' << std::string(width - DisplayWidth(key) + 2, ' ') << value << '\n';
  }
}

void PrintJson(std::ostream& out, const api::JsonValue& value) {
  out << api::Serialize(value) << '\n';
}

}  // namespace signet::cli
