#include "controller/templates/template.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace rebound::controller::templates {
namespace {

using common::StatusCode;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

Template MustParse(const std::string& text) {
  auto parsed = Template::Parse(text);
  EXPECT_TRUE(parsed.ok()) << text << ": " << parsed.status().ToString();
  return parsed.ok() ? *parsed : Template();
}

std::string ParseError(const std::string& text) {
  auto parsed = Template::Parse(text);
  EXPECT_FALSE(parsed.ok()) << "accepted \"" << text << "\"";
  if (parsed.ok()) return "";
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  return parsed.status().message();
}

std::string MustRender(const Template& t, const TemplateContext& context) {
  auto rendered = t.Render(context);
  EXPECT_TRUE(rendered.ok()) << t.text() << ": " << rendered.status().ToString();
  return rendered.ok() ? *rendered : "<error>";
}

std::string RenderError(const Template& t, const TemplateContext& context) {
  auto rendered = t.Render(context);
  EXPECT_FALSE(rendered.ok()) << t.text() << " rendered as \"" << *rendered << "\"";
  if (rendered.ok()) return "";
  EXPECT_EQ(rendered.status().code(), StatusCode::kInvalidArgument);
  return rendered.status().message();
}

TemplateContext ExampleContext() {
  TemplateContext context;
  context.SetLabels({{"namespace", "shop"}, {"deployment", "cart"}, {"empty", ""}});
  context.SetAnnotations({{"summary", "memory grows"}});
  context.Set("target", "shop/cart");
  context.Set("target.kind", "Deployment");
  context.Set("alert.name", "ContainerMemoryGrowth");
  return context;
}

TEST(TemplateTest, RendersEveryKindOfVariable) {
  Template t = MustParse(
      "{{ labels.namespace }}/{{labels.deployment}}: {{ annotations.summary }} "
      "({{ alert.name }}, {{ target.kind }} {{ target }})");
  EXPECT_EQ(MustRender(t, ExampleContext()),
            "shop/cart: memory grows (ContainerMemoryGrowth, Deployment shop/cart)");
}

TEST(TemplateTest, LiteralTextIsKeptAsIs) {
  for (const std::string text : {"", "plain text", "a { b } c", "{ labels.x }", "}} before", "{",
                                 "x{", "{x}", "$x %s \\n"}) {
    Template t = MustParse(text);
    EXPECT_TRUE(t.is_literal()) << text;
    EXPECT_THAT(t.variables(), IsEmpty()) << text;
    EXPECT_EQ(t.text(), text);
    EXPECT_EQ(MustRender(t, TemplateContext()), text);
  }
  EXPECT_EQ(MustRender(Template(), TemplateContext()), "");
}

TEST(TemplateTest, WhitespaceInsideTheBracesIsOptional) {
  for (const std::string text : {"{{labels.namespace}}", "{{ labels.namespace }}",
                                 "{{\tlabels.namespace   }}", "{{\n labels.namespace\n}}"}) {
    Template t = MustParse(text);
    EXPECT_THAT(t.variables(), ElementsAre("labels.namespace")) << text;
    EXPECT_EQ(MustRender(t, ExampleContext()), "shop") << text;
  }
}

TEST(TemplateTest, ListsVariablesOnceInOrderOfFirstUse) {
  Template t = MustParse("{{ target }} {{ labels.namespace }} {{target}} {{ labels.namespace }}");
  EXPECT_FALSE(t.is_literal());
  EXPECT_THAT(t.variables(), ElementsAre("target", "labels.namespace"));
  EXPECT_EQ(MustRender(t, ExampleContext()), "shop/cart shop shop/cart shop");
}

TEST(TemplateTest, SingleBraceNextToAVariableStaysLiteral) {
  Template t = MustParse("{ {{ labels.namespace }} }");
  EXPECT_EQ(MustRender(t, ExampleContext()), "{ shop }");
}

TEST(TemplateTest, ReportsUnterminatedBracesAtTheirColumn) {
  EXPECT_EQ(ParseError("{{ labels.namespace"), "column 1: unterminated \"{{\"");
  EXPECT_EQ(ParseError("ns: {{ labels.namespace } }"), "column 5: unterminated \"{{\"");
  EXPECT_EQ(ParseError("{{ target }} then {{"), "column 19: unterminated \"{{\"");
}

TEST(TemplateTest, ReportsEmptyBracesAtTheirColumn) {
  EXPECT_EQ(ParseError("{{}}"), "column 1: empty \"{{ }}\"");
  EXPECT_EQ(ParseError("abcd{{  }}"), "column 5: empty \"{{ }}\"");
}

TEST(TemplateTest, ReportsUnknownVariablesAtTheirColumnWithAHint) {
  EXPECT_EQ(ParseError("ab {{lables.x}}"),
            "column 6: unknown variable \"lables.x\" (did you mean \"labels.x\"?)");
  EXPECT_EQ(ParseError("{{ annotation.summary }}"),
            "column 4: unknown variable \"annotation.summary\" (did you mean "
            "\"annotations.summary\"?)");
  EXPECT_EQ(ParseError("{{ target.nmae }}"),
            "column 4: unknown variable \"target.nmae\" (did you mean \"target.name\"?)");
  EXPECT_EQ(ParseError("{{ alert.startsat }}"),
            "column 4: unknown variable \"alert.startsat\" (did you mean \"alert.startsAt\"?)");
  EXPECT_THAT(
      ParseError("{{ something }}"),
      AllOf(HasSubstr("column 4: unknown variable \"something\""), HasSubstr("labels.<name>")));
}

TEST(TemplateTest, ReportsInvalidLabelNames) {
  EXPECT_THAT(ParseError("x {{ labels.app-name }}"),
              HasSubstr("column 6: invalid name \"app-name\" in \"labels.app-name\""));
  EXPECT_THAT(ParseError("{{ annotations.1st }}"), HasSubstr("column 4: invalid name \"1st\""));
  EXPECT_THAT(ParseError("{{ labels. }}"), HasSubstr("invalid name \"\""));
  // Spaces inside a name are not trimmed away: the name is wrong, not the braces.
  EXPECT_THAT(ParseError("{{ labels. x }}"), HasSubstr("invalid name \" x\""));
}

TEST(TemplateTest, KnowsTheDocumentedVariables) {
  for (const char* name :
       {"labels.namespace", "labels._x1", "annotations.summary", "alert.name", "alert.status",
        "alert.fingerprint", "alert.startsAt", "alert.generatorURL", "target", "target.kind",
        "target.namespace", "target.name", "playbook"}) {
    EXPECT_TRUE(IsKnownVariable(name)) << name;
  }
  for (const char* name : {"", "labels", "labels.", "labels.a.b", "label.x", "alert", "Target",
                           "target.uid", "playbook.name"}) {
    EXPECT_FALSE(IsKnownVariable(name)) << name;
  }
}

TEST(TemplateTest, RenderFailsNamingAnAbsentOrEmptyValue) {
  const TemplateContext context = ExampleContext();
  EXPECT_EQ(RenderError(MustParse("{{ labels.namespace }}/{{ labels.pod }}"), context),
            "label \"pod\" is not set on the alert");
  EXPECT_EQ(RenderError(MustParse("{{ labels.empty }}"), context),
            "label \"empty\" is empty on the alert");
  EXPECT_EQ(RenderError(MustParse("{{ annotations.runbook }}"), context),
            "annotation \"runbook\" is not set on the alert");
  EXPECT_EQ(RenderError(MustParse("{{ target.name }}"), context),
            "variable \"target.name\" is not set");
  TemplateContext with_empty = context;
  with_empty.Set("playbook", "");
  EXPECT_EQ(RenderError(MustParse("{{ playbook }}"), with_empty), "variable \"playbook\" is empty");
}

TEST(TemplateContextTest, KeepsLabelsAnnotationsAndPlainVariablesApart) {
  TemplateContext context;
  context.SetLabels({{"x", "label"}});
  context.SetAnnotations({{"x", "annotation"}});
  context.Set("target", "first");
  context.Set("target", "second");
  EXPECT_EQ(context.Lookup("labels.x"), "label");
  EXPECT_EQ(context.Lookup("annotations.x"), "annotation");
  EXPECT_EQ(context.Lookup("target"), "second");
  EXPECT_EQ(context.Lookup("x"), std::nullopt);
  EXPECT_EQ(context.Lookup("labels.y"), std::nullopt);
  context.SetLabels({});
  EXPECT_EQ(context.Lookup("labels.x"), std::nullopt);
}

}  // namespace
}  // namespace rebound::controller::templates
