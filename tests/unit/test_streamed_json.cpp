// StreamedJson writes exactly what nlohmann's dump() writes for the same document with its
// arrays in place, at any depth and indent, empty arrays included.
#include <gtest/gtest.h>

#include <sstream>

#include "platform/report/streamed_json.h"

namespace wvp::test {
namespace {

nlohmann::json element(size_t i) {
  return {{"index", i}, {"name", "tile " + std::to_string(i)}, {"nested", {{"list", {i, i + 1}}, {"empty", nlohmann::json::object()}}}};
}

std::string streamed(int indent) {
  StreamedJson s;
  s.doc = {{"a", 1}, {"fabric", {{"cycles", 7}}}, {"z", "last"}};
  s.stream_array("/cores", 3, element);
  s.stream_array("/fabric/routers", 2, [](size_t i) { return element(10 + i); });
  s.stream_array("/fabric/none", 0, element);
  std::ostringstream out;
  s.write(out, indent);
  return out.str();
}

nlohmann::json whole() {
  nlohmann::json j = {{"a", 1}, {"fabric", {{"cycles", 7}}}, {"z", "last"}};
  for (size_t i = 0; i < 3; ++i) j["cores"].push_back(element(i));
  for (size_t i = 0; i < 2; ++i) j["fabric"]["routers"].push_back(element(10 + i));
  j["fabric"]["none"] = nlohmann::json::array();
  return j;
}

TEST(StreamedJson, WritesWhatDumpWritesForTheWholeDocument) {
  for (const int indent : {1, 2, 4}) EXPECT_EQ(streamed(indent), whole().dump(indent)) << "indent " << indent;
}

TEST(StreamedJson, AStringThatLooksLikeThePlaceholderIsLeftAlone) {
  StreamedJson s;
  s.doc = {{"text", "streamed 0"}};
  s.stream_array("/list", 1, [](size_t) { return nlohmann::json(5); });
  std::ostringstream out;
  s.write(out, 1);
  EXPECT_EQ(out.str(), nlohmann::json({{"text", "streamed 0"}, {"list", {5}}}).dump(1));
}

}  // namespace
}  // namespace wvp::test
