// A JSON document whose per-tile arrays are made one element at a time while it is written: a
// whole wafer's stats (893,064 cores) would take gigabytes as one nlohmann document. The text is
// what doc.dump(indent) would give with the arrays in place.
#pragma once
#include <cstddef>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace wvp {

class StreamedJson {
 public:
  using Element = std::function<nlohmann::json(size_t index)>;

  nlohmann::json doc;

  // The value at `pointer` (a JSON pointer, e.g. "/fabric/routers") is an array of `size`
  // elements, element(i) the i-th; `doc` holds a placeholder there until the text is written.
  void stream_array(const std::string& pointer, size_t size, Element element);
  void write(std::ostream& out, int indent) const;

 private:
  struct Array {
    std::string placeholder;  // as dump() writes it
    size_t size;
    Element element;
  };
  std::vector<Array> arrays_;
};

}  // namespace wvp
