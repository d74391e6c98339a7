#include "common/matcher.h"

#include <re2/re2.h>

#include <algorithm>
#include <cstdint>
#include <utility>

namespace rebound::common {
namespace {

bool IsSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool IsAsciiAlnum(char c) { return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
// Characters that end an unquoted token (Alertmanager's lexer: isReserved).
bool IsReserved(char c) {
  return IsSpace(c) || std::string_view("{}!=~,\\\"'`").find(c) != std::string_view::npos;
}

int HexValue(char c) {
  if (IsDigit(c)) return c - '0';
  return (c | 0x20) - 'a' + 10;
}

// The length of the UTF-8 sequence `lead` starts, 0 for a byte that cannot start one.
size_t Utf8Length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

// RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF.
bool IsValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto lead = static_cast<unsigned char>(s[i]);
    const size_t len = Utf8Length(lead);
    if (len == 0 || i + len > s.size()) return false;
    unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte
    if (lead == 0xE0) lo = 0xA0;
    if (lead == 0xED) hi = 0x9F;
    if (lead == 0xF0) lo = 0x90;
    if (lead == 0xF4) hi = 0x8F;
    for (size_t k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF)) return false;
    }
    i += len;
  }
  return true;
}

void AppendUtf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// `s` double-quoted with Go escapes, readable back by Unquote.
std::string Quote(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (b < 0x20 || b == 0x7F) {
      out += "\\x";
      out += kHex[b >> 4];
      out += kHex[b & 0xF];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

Status ErrorAt(size_t offset, std::string_view message) {
  return InvalidArgument("column " + std::to_string(offset + 1) + ": " + std::string(message));
}

// Lexing and parsing: the grammar of Alertmanager's matcher/parse package.

enum class TokenKind { kEnd, kOpenBrace, kCloseBrace, kComma, kOperator, kQuoted, kUnquoted };

struct Token {
  TokenKind kind = TokenKind::kEnd;
  size_t offset = 0;
  std::string_view text;
  MatchType op = MatchType::kEqual;  // for kOperator
};

class Lexer {
 public:
  explicit Lexer(std::string_view input) : input_(input) {}

  // The next token; kEnd (at the input's length) once the input is exhausted.
  Result<Token> Next() {
    while (pos_ < input_.size() && IsSpace(input_[pos_])) ++pos_;
    const size_t start = pos_;
    if (start == input_.size()) return Make(TokenKind::kEnd, 0);
    const std::string_view rest = input_.substr(start);
    switch (rest[0]) {
      case '{':
        return Make(TokenKind::kOpenBrace, 1);
      case '}':
        return Make(TokenKind::kCloseBrace, 1);
      case ',':
        return Make(TokenKind::kComma, 1);
      case '=':
        return rest.starts_with("=~") ? Operator(MatchType::kRegexp, 2)
                                      : Operator(MatchType::kEqual, 1);
      case '!':
        if (rest.starts_with("!=")) return Operator(MatchType::kNotEqual, 2);
        if (rest.starts_with("!~")) return Operator(MatchType::kNotRegexp, 2);
        return ErrorAt(start, "unexpected \"!\": expected \"!=\" or \"!~\"");
      case '"':
        return QuotedString();
      case '~':
        return ErrorAt(start, "unexpected \"~\": expected \"=~\" or \"!~\"");
      case '\'':
      case '`':
        return ErrorAt(
            start, "unexpected " + Quote(rest.substr(0, 1)) + ": quote values with double quotes");
      case '\\':
        return ErrorAt(start, "unexpected \"\\\\\": escapes are allowed only inside double quotes");
      default:
        break;
    }
    size_t end = start;
    while (end < input_.size() && !IsReserved(input_[end])) ++end;
    if (!IsValidUtf8(input_.substr(start, end - start))) return ErrorAt(start, "invalid UTF-8");
    return Make(TokenKind::kUnquoted, end - start);
  }

 private:
  Token Make(TokenKind kind, size_t length) {
    Token token;
    token.kind = kind;
    token.offset = pos_;
    token.text = input_.substr(pos_, length);
    pos_ += length;
    return token;
  }
  Token Operator(MatchType op, size_t length) {
    Token token = Make(TokenKind::kOperator, length);
    token.op = op;
    return token;
  }
  Result<Token> QuotedString() {
    for (size_t end = pos_ + 1; end < input_.size(); ++end) {
      if (input_[end] == '\\') {
        ++end;
      } else if (input_[end] == '"') {
        return Make(TokenKind::kQuoted, end + 1 - pos_);
      }
    }
    return ErrorAt(pos_, "unterminated quoted string");
  }

  std::string_view input_;
  size_t pos_ = 0;
};

// The text of a quoted token with Go's escapes decoded (strconv.Unquote).
Result<std::string> Unquote(const Token& token) {
  const std::string_view body = token.text.substr(1, token.text.size() - 2);
  std::string out;
  for (size_t i = 0; i < body.size(); ++i) {
    const size_t offset = token.offset + 1 + i;
    if (body[i] == '\n') return ErrorAt(offset, "newline in quoted string (write \\n)");
    if (body[i] != '\\') {
      out += body[i];
      continue;
    }
    const char e = body[++i];  // the lexer ends a token only at an unescaped quote
    auto read_hex = [&](size_t digits, uint32_t& value) {
      if (i + digits >= body.size()) return false;
      value = 0;
      for (size_t k = 1; k <= digits; ++k) {
        if (!IsHex(body[i + k])) return false;
        value = value * 16 + static_cast<uint32_t>(HexValue(body[i + k]));
      }
      i += digits;
      return true;
    };
    uint32_t value = 0;
    switch (e) {
      case 'a':
        out += '\a';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case '\\':
        out += '\\';
        break;
      case '"':
        out += '"';
        break;
      case 'x':
        if (!read_hex(2, value)) return ErrorAt(offset, "\\x needs two hex digits");
        out += static_cast<char>(value);
        break;
      case 'u':
      case 'U':
        if (!read_hex(e == 'u' ? 4 : 8, value) || value > 0x10FFFF ||
            (value >= 0xD800 && value <= 0xDFFF)) {
          return ErrorAt(offset, std::string("invalid Unicode escape \\") + e);
        }
        AppendUtf8(value, out);
        break;
      default:
        if (e >= '0' && e <= '7' && i + 2 < body.size() && body[i + 1] >= '0' &&
            body[i + 1] <= '7' && body[i + 2] >= '0' && body[i + 2] <= '7' && e <= '3') {
          out += static_cast<char>((e - '0') * 64 + (body[i + 1] - '0') * 8 + (body[i + 2] - '0'));
          i += 2;
          break;
        }
        return ErrorAt(offset,
                       "invalid escape \\" + std::string(1, e) + " (write \\\\ for a backslash)");
    }
  }
  if (!IsValidUtf8(out)) return ErrorAt(token.offset, "quoted string is not valid UTF-8");
  return out;
}

struct ParsedMatcher {
  Matcher matcher;
  size_t offset;  // where its name starts
};

class Parser {
 public:
  explicit Parser(std::string_view input) : input_(input), lexer_(input) {}

  Result<std::vector<ParsedMatcher>> ParseList() {
    REBOUND_RETURN_IF_ERROR(Advance());
    const bool braced = token_.kind == TokenKind::kOpenBrace;
    if (braced) REBOUND_RETURN_IF_ERROR(Advance());
    std::vector<ParsedMatcher> parsed;
    while (true) {
      if (token_.kind == TokenKind::kEnd) {
        if (braced) return Unexpected("\"}\"");
        return parsed;
      }
      if (token_.kind == TokenKind::kCloseBrace) {
        if (!braced) return ErrorAt(token_.offset, "unexpected \"}\" without an opening \"{\"");
        REBOUND_RETURN_IF_ERROR(Advance());
        if (token_.kind != TokenKind::kEnd) return Unexpected("end of input");
        return parsed;
      }
      const size_t offset = token_.offset;
      Result<Matcher> matcher = ParseMatcher();
      if (!matcher.ok()) return matcher.status();
      parsed.push_back(ParsedMatcher{std::move(*matcher), offset});
      if (token_.kind == TokenKind::kComma) {
        REBOUND_RETURN_IF_ERROR(Advance());
      } else if (token_.kind != TokenKind::kEnd && token_.kind != TokenKind::kCloseBrace) {
        return Unexpected(braced ? "\",\" or \"}\"" : "\",\" or end of input");
      }
    }
  }

 private:
  Status Advance() {
    Result<Token> next = lexer_.Next();
    if (!next.ok()) return next.status();
    token_ = *next;
    return Status::Ok();
  }

  Status Unexpected(std::string_view expected) const {
    if (token_.kind == TokenKind::kEnd) {
      return ErrorAt(input_.size(), "end of input: expected " + std::string(expected));
    }
    return ErrorAt(token_.offset,
                   "unexpected " + Quote(token_.text) + ": expected " + std::string(expected));
  }

  bool AtString() const {
    return token_.kind == TokenKind::kQuoted || token_.kind == TokenKind::kUnquoted;
  }
  Result<std::string> StringValue() const {
    if (token_.kind == TokenKind::kQuoted) return Unquote(token_);
    return std::string(token_.text);
  }

  // Reads `name op value`, leaving the token after the value current.
  Result<Matcher> ParseMatcher() {
    if (!AtString()) return Unexpected("a label name");
    const size_t name_offset = token_.offset;
    Result<std::string> name = StringValue();
    if (!name.ok()) return name.status();
    if (!IsValidLabelName(*name)) {
      return ErrorAt(name_offset, "invalid label name " + Quote(*name) +
                                      " (letters, digits and '_', not starting with a digit)");
    }
    REBOUND_RETURN_IF_ERROR(Advance());
    if (token_.kind != TokenKind::kOperator) return Unexpected("an operator (=, !=, =~ or !~)");
    const MatchType type = token_.op;
    REBOUND_RETURN_IF_ERROR(Advance());
    if (!AtString()) return Unexpected("a value (write \"\" for the empty string)");
    const size_t value_offset = token_.offset;
    Result<std::string> value = StringValue();
    if (!value.ok()) return value.status();
    Result<Matcher> matcher = Matcher::Create(std::move(*name), type, std::move(*value));
    if (!matcher.ok()) return ErrorAt(value_offset, matcher.status().message());
    REBOUND_RETURN_IF_ERROR(Advance());
    return matcher;
  }

  std::string_view input_;
  Lexer lexer_;
  Token token_;
};

}  // namespace

struct Matcher::CompiledRegex {
  // Compiles an RE2 `pattern`, or InvalidArgument naming the pattern and RE2's reason.
  static Result<std::shared_ptr<const CompiledRegex>> Compile(std::string_view pattern) {
    auto compiled = std::make_shared<const CompiledRegex>(pattern);
    const RE2& re = compiled->regex_;
    if (!re.ok()) {
      return InvalidArgument("regular expression " + Quote(pattern) + ": " + re.error() +
                             std::string(Hint(re.error_code(), re.error_arg())));
    }
    return compiled;
  }

  explicit CompiledRegex(std::string_view pattern) : regex_(pattern, Options()) {}

  // Whether the whole of `value` matches: Alertmanager's `^(?:re)$`. (Anchoring at match time
  // rather than in the pattern keeps RE2's messages about the pattern as written, and rejects
  // patterns such as "a)|(b" that would escape the wrapping group.)
  bool FullMatch(std::string_view value) const {
    return regex_.Match(value, 0, value.size(), RE2::ANCHOR_BOTH, nullptr, 0);
  }

 private:
  static RE2::Options Options() {
    RE2::Options options;  // UTF-8, Perl classes and flags: the syntax of Go's regexp
    options.set_log_errors(false);
    options.set_never_capture(true);  // groups only group: matching reads no submatches
    return options;
  }

  // A hint for the errors RE2 gives for the Perl constructs it leaves out.
  static std::string_view Hint(RE2::ErrorCode code, const std::string& arg) {
    const bool perl_op = code == RE2::ErrorBadPerlOp;
    if (perl_op && (arg == "(?=" || arg == "(?!")) return " (RE2 has no lookahead)";
    if (perl_op && arg == "(?<") {
      return " (RE2 has no lookbehind, and names groups only as (?P<name>...))";
    }
    if ((perl_op && arg == "(?P") ||
        (code == RE2::ErrorBadEscape && arg.size() == 2 && arg[1] >= '1' && arg[1] <= '9')) {
      return " (RE2 has no backreferences)";
    }
    return "";
  }

  RE2 regex_;
};

std::string_view MatchOperator(MatchType type) {
  switch (type) {
    case MatchType::kEqual:
      return "=";
    case MatchType::kNotEqual:
      return "!=";
    case MatchType::kRegexp:
      return "=~";
    case MatchType::kNotRegexp:
      return "!~";
  }
  return "?";
}

bool IsValidLabelName(std::string_view name) {
  if (name.empty() || IsDigit(name[0])) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return IsAsciiAlnum(c) || c == '_'; });
}

Result<Matcher> Matcher::Parse(std::string_view text) {
  Result<std::vector<ParsedMatcher>> parsed = Parser(text).ParseList();
  if (!parsed.ok()) return parsed.status();
  if (parsed->empty()) return ErrorAt(text.size(), "expected a matcher, found none");
  if (parsed->size() > 1) {
    return ErrorAt((*parsed)[1].offset,
                   "expected one matcher, found " + std::to_string(parsed->size()));
  }
  return std::move((*parsed)[0].matcher);
}

Result<Matcher> Matcher::Create(std::string name, MatchType type, std::string value) {
  if (!IsValidLabelName(name)) {
    return InvalidArgument("invalid label name " + Quote(name) +
                           " (letters, digits and '_', not starting with a digit)");
  }
  if (!IsValidUtf8(value)) return InvalidArgument("value is not valid UTF-8");
  Matcher matcher;
  if (type == MatchType::kRegexp || type == MatchType::kNotRegexp) {
    Result<std::shared_ptr<const CompiledRegex>> regex = CompiledRegex::Compile(value);
    if (!regex.ok()) return regex.status();
    matcher.regex_ = std::move(*regex);
  }
  matcher.name_ = std::move(name);
  matcher.type_ = type;
  matcher.value_ = std::move(value);
  return matcher;
}

bool Matcher::Matches(std::string_view value) const {
  switch (type_) {
    case MatchType::kEqual:
      return value == value_;
    case MatchType::kNotEqual:
      return value != value_;
    case MatchType::kRegexp:
      return regex_->FullMatch(value);
    case MatchType::kNotRegexp:
      return !regex_->FullMatch(value);
  }
  return false;
}

std::optional<std::string_view> Matcher::EqualityValue() const {
  if (type_ != MatchType::kEqual) return std::nullopt;
  return value_;
}

std::string Matcher::ToString() const {
  return name_ + std::string(MatchOperator(type_)) + Quote(value_);
}

bool operator==(const Matcher& a, const Matcher& b) {
  return a.name_ == b.name_ && a.type_ == b.type_ && a.value_ == b.value_;
}

Result<Matchers> Matchers::Parse(std::string_view text) {
  Result<std::vector<ParsedMatcher>> parsed = Parser(text).ParseList();
  if (!parsed.ok()) return parsed.status();
  std::vector<Matcher> matchers;
  matchers.reserve(parsed->size());
  for (ParsedMatcher& p : *parsed) matchers.push_back(std::move(p.matcher));
  return Matchers(std::move(matchers));
}

bool Matchers::Matches(const std::map<std::string, std::string>& labels) const {
  static const std::string kAbsent;
  return std::all_of(matchers_.begin(), matchers_.end(), [&](const Matcher& m) {
    auto it = labels.find(m.name());
    return m.Matches(it == labels.end() ? kAbsent : it->second);
  });
}

std::optional<std::string_view> Matchers::EqualityValue(std::string_view name) const {
  for (const Matcher& m : matchers_) {
    if (m.name() == name && m.EqualityValue()) return m.EqualityValue();
  }
  return std::nullopt;
}

std::string Matchers::ToString() const {
  std::string out = "{";
  for (const Matcher& m : matchers_) {
    if (out.size() > 1) out += ',';
    out += m.ToString();
  }
  return out + "}";
}

}  // namespace rebound::common
