#pragma once
// Readable tables for people and CSV for machines, from the same rows.

#include <ostream>
#include <string>
#include <vector>

namespace touchpoint::app {

class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.empty(); }

  // Columns padded to their widest cell, counted in code points (UTF-8 aware).
  void print(std::ostream& out) const;
  // RFC 4180: fields with commas, quotes or line breaks are quoted.
  void print_csv(std::ostream& out) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace touchpoint::app
