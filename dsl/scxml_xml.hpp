// The element tree of an XML document, read by expat: what the SCXML importer translates. Only
// dsl/scxml_xml.cpp includes expat.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vflow::dsl {

/// An element: its name as written (with its prefix), attributes in order, child elements, and
/// where its start tag is. Character data is not kept: SCXML puts nothing there vflow reads.
struct xml_element {
  std::string name;
  std::vector<std::pair<std::string, std::string>> attributes;
  std::vector<std::unique_ptr<xml_element>> children;
  std::uint32_t line = 0;
  std::uint32_t column = 0;

  const std::string* attribute(std::string_view key) const {
    for (const auto& [k, v] : attributes) {
      if (k == key) return &v;
    }
    return nullptr;
  }
};

/// The root element, or nothing with where and why the document is not well-formed (or nests
/// deeper than `max_scxml_depth`, or has a DTD).
struct xml_document {
  std::unique_ptr<xml_element> root;
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  std::string error;
};

xml_document read_xml(std::string_view text);

}  // namespace vflow::dsl
