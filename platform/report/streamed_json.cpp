#include "platform/report/streamed_json.h"

#include <ostream>

namespace wvp {

void StreamedJson::stream_array(const std::string& pointer, size_t size, Element element) {
  // A control character cannot come out of any real value unescaped, so its escaped form marks
  // the spot unambiguously.
  const std::string placeholder = "\x01streamed " + std::to_string(arrays_.size());
  doc[nlohmann::json::json_pointer(pointer)] = placeholder;
  arrays_.push_back({nlohmann::json(placeholder).dump(), size, std::move(element)});
}

void StreamedJson::write(std::ostream& out, int indent) const {
  const std::string text = doc.dump(indent);
  size_t at = 0;
  for (;;) {
    const Array* next = nullptr;
    size_t next_at = std::string::npos;
    for (const Array& a : arrays_) {
      const size_t found = text.find(a.placeholder, at);
      if (found < next_at) next = &a, next_at = found;
    }
    if (!next) break;
    out.write(text.data() + at, static_cast<std::streamsize>(next_at - at));
    // The key's line gives the array's depth; nested values indent linearly with it.
    const size_t line = text.rfind('\n', next_at);
    const size_t key_indent = line == std::string::npos ? 0 : text.find_first_not_of(' ', line + 1) - line - 1;
    const std::string inner = "\n" + std::string(key_indent + indent, ' ');
    if (next->size == 0) {
      out << "[]";
    } else {
      out << "[";
      for (size_t i = 0; i < next->size; ++i) {
        std::string element = next->element(i).dump(indent);
        for (size_t nl = element.find('\n'); nl != std::string::npos; nl = element.find('\n', nl + 1)) {
          element.replace(nl, 1, inner);
          nl += inner.size() - 1;
        }
        out << (i ? "," : "") << inner << element;
      }
      out << "\n" << std::string(key_indent, ' ') << "]";
    }
    at = next_at + next->placeholder.size();
  }
  out.write(text.data() + at, static_cast<std::streamsize>(text.size() - at));
}

}  // namespace wvp
