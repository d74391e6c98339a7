#include "common/matcher.h"

#include <algorithm>
#include <cstdint>

// GCC 12 reports a false "may be used uninitialized" inside libstdc++'s regex compiler when
// sanitizers are on (GCC bug 105616); the state is set before every read.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <regex>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#include <utility>

namespace rebound::common {
namespace {

// RE2 refuses larger repeat counts; std::regex would expand them into millions of states.
constexpr int kMaxRepeat = 1000;
// std::regex compiles recursively: bound the pattern so that compiling cannot exhaust the stack.
constexpr size_t kMaxRegexBytes = 4096;
constexpr int kMaxGroupDepth = 100;

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

// Regular expressions: RE2 syntax, rewritten for std::regex's ECMAScript grammar.

class Re2Translator {
 public:
  explicit Re2Translator(std::string_view pattern) : in_(pattern) {}

  // The ECMAScript form of the pattern, or why it has none.
  Result<std::string> Translate() {
    if (in_.size() > kMaxRegexBytes) {
      return InvalidArgument("regular expression longer than " + std::to_string(kMaxRegexBytes) +
                             " bytes");
    }
    LeadingFlags();
    while (pos_ < in_.size()) REBOUND_RETURN_IF_ERROR(Next());
    // Unbalanced parentheses would escape the anchoring group around the pattern.
    if (depth_ > 0) return Fail("missing \")\"");
    return std::move(out_);
  }

  bool case_insensitive() const { return case_insensitive_; }

 private:
  enum class Repeat { kNone, kGreedy, kLazy };  // the kind of the last element

  Status Fail(std::string_view why) const {
    return InvalidArgument("regular expression " + Quote(in_) + ": " + std::string(why));
  }
  bool At(std::string_view s) const { return in_.substr(pos_).starts_with(s); }
  void Copy(size_t n) {
    out_ += in_.substr(pos_, n);
    pos_ += n;
  }

  // (?i), (?s), (?is), ... at the very start: the only place std::regex can honour them.
  void LeadingFlags() {
    while (At("(?")) {
      size_t end = pos_ + 2;
      while (end < in_.size() && (in_[end] == 'i' || in_[end] == 's')) ++end;
      if (end == pos_ + 2 || end >= in_.size() || in_[end] != ')') return;
      for (size_t k = pos_ + 2; k < end; ++k) {
        if (in_[k] == 'i') {
          case_insensitive_ = true;
        } else {
          dot_all_ = true;
        }
      }
      pos_ = end + 1;
    }
  }

  Status Next() {
    const char c = in_[pos_];
    const Repeat previous = repeat_;
    repeat_ = Repeat::kNone;
    switch (c) {
      case '*':
      case '+':
      case '?':
        return Quantifier(previous);
      case '\\':
        return Escape(/*in_class=*/false);
      case '[':
        return CharacterClass();
      case '(':
        return OpenGroup();
      case ')':
        if (depth_ == 0) return Fail("unmatched \")\"");
        --depth_;
        Copy(1);
        return Status::Ok();
      case '{':
        return Repetition(previous);
      case '}':  // RE2 reads a stray brace literally; ECMAScript needs it escaped
        out_ += "\\}";
        ++pos_;
        return Status::Ok();
      case '.':  // RE2's dot matches '\r'; ECMAScript's does not
        out_ += dot_all_ ? "[\\s\\S]" : "[^\\n]";
        ++pos_;
        return Status::Ok();
      default:
        break;
    }
    const size_t len = Utf8Length(static_cast<unsigned char>(c));
    if (len > 1) {  // one character, so that a following quantifier applies to all its bytes
      out_ += "(?:";
      Copy(len);
      out_ += ")";
      return Status::Ok();
    }
    Copy(1);
    return Status::Ok();
  }

  Status Escape(bool in_class) {
    if (pos_ + 1 >= in_.size()) return Fail("trailing backslash");
    const char e = in_[pos_ + 1];
    const std::string escape = "\\" + std::string(1, e);
    if (e >= '1' && e <= '9') return Fail("backreference " + escape + " is not supported (RE2)");
    if (e == 'p' || e == 'P') return Fail("Unicode classes (" + escape + ") are not supported");
    if (e == 'b' || e == 'B') {
      if (in_class) return Fail(escape + " inside [...] is not supported");
      Copy(2);
      return Status::Ok();
    }
    if (std::string_view("dDsSwWnrtfv").find(e) != std::string_view::npos) {
      Copy(2);
      return Status::Ok();
    }
    if (e == 'x') {
      if (pos_ + 3 < in_.size() && IsHex(in_[pos_ + 2]) && IsHex(in_[pos_ + 3]) &&
          HexValue(in_[pos_ + 2]) < 8) {
        Copy(4);
        return Status::Ok();
      }
      return Fail("only \\x00 to \\x7F are supported: write other characters as themselves");
    }
    if (IsAsciiAlnum(e)) return Fail("escape " + escape + " is not supported");
    if (static_cast<unsigned char>(e) < 0x21 || static_cast<unsigned char>(e) > 0x7E) {
      return Fail("a backslash must be followed by punctuation or a class such as \\d");
    }
    Copy(2);
    return Status::Ok();
  }

  Status CharacterClass() {
    Copy(1);
    if (At("^")) Copy(1);
    if (At("]")) {  // first in the class, RE2 reads ']' literally
      out_ += "\\]";
      ++pos_;
    }
    while (pos_ < in_.size()) {
      const char c = in_[pos_];
      if (c == ']') {
        Copy(1);
        return Status::Ok();
      }
      if (c == '\\') {
        REBOUND_RETURN_IF_ERROR(Escape(/*in_class=*/true));
      } else if (At("[:")) {
        const size_t end = in_.find(":]", pos_ + 2);
        if (end == std::string_view::npos) return Fail("missing \":]\" after \"[:\"");
        Copy(end + 2 - pos_);
      } else if (c == '[') {
        out_ += "\\[";
        ++pos_;
      } else if (static_cast<unsigned char>(c) >= 0x80) {
        return Fail("non-ASCII characters inside [...] are not supported");
      } else {
        Copy(1);
      }
    }
    return Fail("missing \"]\"");
  }

  Status OpenGroup() {
    if (++depth_ > kMaxGroupDepth) {
      return Fail("groups nested deeper than " + std::to_string(kMaxGroupDepth));
    }
    if (!At("(?")) {
      Copy(1);
      return Status::Ok();
    }
    if (At("(?:")) {
      Copy(3);
      return Status::Ok();
    }
    if (At("(?=") || At("(?!")) return Fail("lookahead is not supported (RE2)");
    if (At("(?<=") || At("(?<!")) return Fail("lookbehind is not supported (RE2)");
    if (At("(?P=")) return Fail("backreferences are not supported (RE2)");
    if (At("(?P<") || At("(?<")) {  // a named group: the name does not matter for matching
      size_t end = in_.find('<', pos_) + 1;
      const size_t name_start = end;
      while (end < in_.size() && (IsAsciiAlnum(in_[end]) || in_[end] == '_')) ++end;
      if (end == name_start || end >= in_.size() || in_[end] != '>') {
        return Fail("invalid group name");
      }
      out_ += '(';
      pos_ = end + 1;
      return Status::Ok();
    }
    return Fail("flags are supported only as a leading (?i) or (?s)");
  }

  // {n}, {n,} or {n,m} with counts up to kMaxRepeat; anything else is a literal '{', as in RE2.
  // RE2 rejects a repetition of a repetition ("a**", "a{2}+"); only a lazy '?' may follow one.
  Status Quantifier(Repeat previous) {
    const bool lazy = in_[pos_] == '?' && previous == Repeat::kGreedy;
    if (previous != Repeat::kNone && !lazy) return Fail("nested repetition operators");
    repeat_ = lazy ? Repeat::kLazy : Repeat::kGreedy;
    Copy(1);
    return Status::Ok();
  }

  Status Repetition(Repeat previous) {
    size_t end = pos_ + 1;
    auto read_count = [&](int& count) {
      const size_t start = end;
      count = 0;
      while (end < in_.size() && IsDigit(in_[end])) {
        count = std::min(count * 10 + (in_[end] - '0'), kMaxRepeat + 1);
        ++end;
      }
      return end > start;
    };
    int min = 0, max = 0;
    bool valid = read_count(min);
    if (valid && end < in_.size() && in_[end] == ',') {
      ++end;
      read_count(max);
    }
    valid = valid && end < in_.size() && in_[end] == '}';
    if (!valid) {
      out_ += "\\{";
      ++pos_;
      return Status::Ok();
    }
    if (min > kMaxRepeat || max > kMaxRepeat) {
      return Fail("repeat counts above " + std::to_string(kMaxRepeat) + " are not supported");
    }
    if (previous != Repeat::kNone) return Fail("nested repetition operators");
    repeat_ = Repeat::kGreedy;
    Copy(end + 1 - pos_);
    return Status::Ok();
  }

  std::string_view in_;
  size_t pos_ = 0;
  std::string out_;
  int depth_ = 0;
  Repeat repeat_ = Repeat::kNone;
  bool case_insensitive_ = false;
  bool dot_all_ = false;
};

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
  // The anchored regex for an RE2 `pattern`, or InvalidArgument naming the pattern and why.
  static Result<std::shared_ptr<const CompiledRegex>> Compile(std::string_view pattern) {
    Re2Translator translator(pattern);
    Result<std::string> translated = translator.Translate();
    if (!translated.ok()) return translated.status();
    // __polynomial (libstdc++) selects the breadth-first executor: no backtracking, so neither
    // exponential time nor recursion as deep as the value is long.
    auto flags = std::regex::ECMAScript | std::regex::nosubs | std::regex_constants::__polynomial;
    if (translator.case_insensitive()) flags |= std::regex::icase;
    try {
      return std::make_shared<const CompiledRegex>(
          CompiledRegex{std::regex("^(?:" + *translated + ")$", flags)});
    } catch (const std::regex_error& e) {
      return InvalidArgument("regular expression " + Quote(pattern) + ": " + e.what());
    }
  }

  std::regex regex;
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
      return std::regex_match(value.begin(), value.end(), regex_->regex);
    case MatchType::kNotRegexp:
      return !std::regex_match(value.begin(), value.end(), regex_->regex);
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
