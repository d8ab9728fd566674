// Reading XML with expat: well-formedness, entities, encodings, line and column.
#include "dsl/scxml_xml.hpp"

#include <expat.h>

#include <new>

#include "dsl/scxml.hpp"

namespace vflow::dsl {

namespace {

// Builds the element tree from expat's callbacks. Nesting is bounded here, before anything
// recurses over the tree, so that the translator's recursion is bounded too.
struct xml_reader {
  XML_Parser parser = nullptr;
  std::unique_ptr<xml_element> root;
  std::vector<xml_element*> open;
  std::string error;

  void stop(std::string why) {
    if (error.empty()) error = std::move(why);
    XML_StopParser(parser, XML_FALSE);
  }

  static void XMLCALL on_start(void* data, const XML_Char* name, const XML_Char** attributes) {
    auto& r = *static_cast<xml_reader*>(data);
    if (r.open.size() >= max_scxml_depth) {
      r.stop("elements are nested more than " + std::to_string(max_scxml_depth) + " levels deep");
      return;
    }
    auto e = std::make_unique<xml_element>();
    e->name = name;
    e->line = static_cast<std::uint32_t>(XML_GetCurrentLineNumber(r.parser));
    e->column = static_cast<std::uint32_t>(XML_GetCurrentColumnNumber(r.parser)) + 1;
    for (const XML_Char** a = attributes; a[0] != nullptr; a += 2)
      e->attributes.emplace_back(a[0], a[1]);
    xml_element* raw = e.get();
    if (r.open.empty()) {
      r.root = std::move(e);  // expat itself refuses a second root element
    } else {
      r.open.back()->children.push_back(std::move(e));
    }
    r.open.push_back(raw);
  }

  static void XMLCALL on_end(void* data, const XML_Char*) {
    static_cast<xml_reader*>(data)->open.pop_back();
  }

  // A DTD could declare entities that expand into guards and names (or explode, billions of
  // laughs): a chart has no use for one, so it is refused before anything is expanded.
  static void XMLCALL on_doctype(void* data, const XML_Char*, const XML_Char*, const XML_Char*,
                                 int) {
    static_cast<xml_reader*>(data)->stop("a DTD (<!DOCTYPE ...>) is not accepted in a chart");
  }
};

}  // namespace

xml_document read_xml(std::string_view text) {
  xml_document out;
  xml_reader reader;
  std::unique_ptr<std::remove_pointer_t<XML_Parser>, decltype(&XML_ParserFree)> parser(
      XML_ParserCreate(nullptr), &XML_ParserFree);
  if (!parser) throw std::bad_alloc();
  reader.parser = parser.get();
  XML_SetUserData(reader.parser, &reader);
  XML_SetElementHandler(reader.parser, &xml_reader::on_start, &xml_reader::on_end);
  XML_SetStartDoctypeDeclHandler(reader.parser, &xml_reader::on_doctype);
  const bool parsed = XML_Parse(reader.parser, text.data(), static_cast<int>(text.size()),
                                XML_TRUE) == XML_STATUS_OK;
  if (!parsed || !reader.root) {
    out.line = static_cast<std::uint32_t>(XML_GetCurrentLineNumber(reader.parser));
    out.column = static_cast<std::uint32_t>(XML_GetCurrentColumnNumber(reader.parser)) + 1;
    out.error = !reader.error.empty() ? reader.error
                : parsed              ? std::string("there is no root element")
                                      : XML_ErrorString(XML_GetErrorCode(reader.parser));
    return out;
  }
  out.root = std::move(reader.root);
  return out;
}

}  // namespace vflow::dsl
