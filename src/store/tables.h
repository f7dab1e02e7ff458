#pragma once
// The tables of the SQL store, described once for every driver: each table's columns in
// order, how each column is bound from and read into its domain entity, its unique keys and
// how a violation of each (or of a foreign key) is explained to the caller. A table's row
// statements (select, insert, update, get and delete by key) are generated from it in the
// shared SQL spelling of store/sql_driver.h. Every backend's migrated schema is checked
// against AllTables() by the schema tests of tests/unit/store/.
// The tables are function-local statics, immutable once built: thread-safe.

#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "common/result.h"
#include "domain/entities.h"
#include "store/sql_driver.h"

namespace signet::store::sql {

// Domain enums are stored by their wire names (domain/entities.h, domain/algorithms.h).
template <class E>
struct EnumNames;
#define SIGNET_STORED_ENUM(E)                        \
  template <>                                        \
  struct EnumNames<domain::E> {                      \
    static constexpr auto name = &domain::E##Name;   \
    static constexpr auto parse = &domain::Parse##E; \
  }
SIGNET_STORED_ENUM(OrgRole);
SIGNET_STORED_ENUM(PrincipalType);
SIGNET_STORED_ENUM(ProjectRole);
SIGNET_STORED_ENUM(CaStatus);
SIGNET_STORED_ENUM(CertificateStatus);
SIGNET_STORED_ENUM(SignerStatus);
SIGNET_STORED_ENUM(SignerRole);
SIGNET_STORED_ENUM(RequestStatus);
SIGNET_STORED_ENUM(ApprovalDecision);
SIGNET_STORED_ENUM(GrantStatus);
SIGNET_STORED_ENUM(OperationStatus);
SIGNET_STORED_ENUM(KeyAlgorithm);
SIGNET_STORED_ENUM(KeySourceType);
SIGNET_STORED_ENUM(ComplianceProfile);
#undef SIGNET_STORED_ENUM

template <class E>
concept StoredEnum = std::is_enum_v<E>;

template <StoredEnum E>
void Bind(Statement& s, const E& v) {
  s.BindText(EnumNames<E>::name(v));
}
template <StoredEnum E>
Status Read(const Row& r, int c, E& v) {
  auto parsed = EnumNames<E>::parse(r.Text(c));
  if (!parsed) return Internal("corrupt row: " + parsed.error().message);
  v = *parsed;
  return Ok();
}

// What a table must have in every schema, and the statements generated from it. Messages
// are templates: {column} stands for the written row's value of that column.
struct TableInfo {
  TableInfo(std::string_view entity, std::string_view name, std::vector<std::string_view> columns);

  std::string_view entity;                // "signer": names a row in messages
  std::string_view name;                  // "signers"
  std::vector<std::string_view> columns;  // the first is the key
  std::vector<UniqueKey> unique;
  std::string_view missing_reference;  // a foreign key violation of a write: "" for none
  std::string_view still_referenced;   // a foreign key violation of a delete ({key}): ""
  bool ordered_by_insertion = true;    // lists order its rows by {seq}

  std::string select;  // SELECT <columns> FROM <name>
  std::string insert;  // every column, ?1..?N in column order
  std::string update;  // every column but the key, by key (?1)
  std::string del;     // by key (?1)
};

// One column of a table of T: how it is bound from and read into a T, and shown in messages.
template <class T>
struct Column {
  std::string_view name;
  void (*bind)(Statement&, const T&);
  Status (*read)(const Row&, int, T&);
  std::string (*text)(const T&);
};

// A table of entities T: its columns' names and codecs, then, builder style, its keys.
template <class T>
class Table : public TableInfo {
 public:
  Table(std::string_view entity_name, std::string_view table, std::vector<std::string_view> names,
        std::vector<Column<T>> codecs)
      : TableInfo(entity_name, table, std::move(names)), columns_(std::move(codecs)) {}

  Table&& Unique(std::string_view key, std::vector<std::string_view> key_columns,
                 std::string_view message) && {
    unique.push_back({key, std::move(key_columns), message});
    return std::move(*this);
  }
  Table&& MissingReference(std::string_view message) && {
    missing_reference = message;
    return std::move(*this);
  }
  Table&& StillReferenced(std::string_view message) && {
    still_referenced = message;
    return std::move(*this);
  }
  // Lists order the table's rows by other columns: it needs no {seq}.
  Table&& Unordered() && {
    ordered_by_insertion = false;
    return std::move(*this);
  }

  // Binds the row's columns in column order (?1..?N of insert and update).
  void Bind(Statement& s, const T& row) const {
    for (const Column<T>& c : columns_) c.bind(s, row);
  }
  // Reads a row selected by `select`; a stored value that does not parse is a corrupt row
  // (kInternal).
  Result<T> Read(const Row& r) const {
    T row{};
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      SIGNET_TRY(columns_[i].read(r, static_cast<int>(i), row));
    }
    return row;
  }
  // The error of writing `row` (`context`: "insert signer") in the words of store.h.
  Error Explain(Error e, std::string_view context, const T& row, const Dialect& dialect) const {
    if (e.code == ErrorCode::kAlreadyExists) {
      for (const UniqueKey& key : unique) {
        if (dialect.violates(e, name, key)) return Error{e.code, Render(key.message, row)};
      }
      return e.Wrap(context);
    }
    if (!missing_reference.empty() && IsForeignKeyViolation(e)) {
      return Error{e.code, Render(missing_reference, row)};
    }
    return e;
  }
  // The row's key, as text.
  std::string KeyOf(const T& row) const { return columns_.front().text(row); }
  // `message` with each {column} replaced by the row's value.
  std::string Render(std::string_view message, const T& row) const {
    std::string out;
    for (std::size_t i = 0; i < message.size(); ++i) {
      const std::size_t end = message[i] == '{' ? message.find('}', i) : std::string::npos;
      if (end == std::string::npos) {
        out += message[i];
        continue;
      }
      for (const Column<T>& c : columns_) {
        if (c.name == message.substr(i + 1, end - i - 1)) out += c.text(row);
      }
      i = end;
    }
    return out;
  }

 private:
  std::vector<Column<T>> columns_;  // as named in `columns`
};

const Table<domain::User>& Users();
const Table<domain::Identity>& Identities();
const Table<domain::ClientSecret>& ClientSecrets();
const Table<domain::AccessToken>& AccessTokens();
const Table<domain::UserMfa>& UserMfas();
const Table<domain::OidcAuth>& OidcAuths();
const Table<domain::Project>& Projects();
const Table<domain::ProjectMembership>& Memberships();
const Table<domain::CertificateAuthority>& Cas();
const Table<domain::TimestampAuthority>& TimestampAuthorities();
const Table<domain::Certificate>& Certificates();
const Table<domain::Signer>& Signers();
const Table<domain::SignerMember>& SignerMembers();
const Table<domain::SigningPolicy>& Policies();
const Table<domain::SigningRequest>& Requests();
const Table<domain::Approval>& Approvals();
const Table<domain::Grant>& Grants();
const Table<domain::SigningOperation>& Operations();
const Table<domain::WrappedKey>& KeyBlobs();
const Table<domain::HsmKey>& HsmKeys();
const Table<domain::AuditEvent>& AuditEvents();
const Table<domain::NotificationWebhook>& Webhooks();
const Table<domain::NotificationEvent>& NotificationEvents();
const Table<domain::NotificationDelivery>& NotificationDeliveries();
const TableInfo& Settings();  // key, value: text

// Every table the shared code names.
std::vector<const TableInfo*> AllTables();

}  // namespace signet::store::sql
