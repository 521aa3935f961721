// Changes after a signed revision, classified against the DocMDP permissions, on small PDFs
// written by hand: each incremental update is appended text, as an editor would save it.
#include <gtest/gtest.h>

#include <string>

#include "pdf_syntax.hpp"
#include "revisions.hpp"

namespace certagent::pdf::detail {
namespace {

// A one-page document; the signed revision ends after its %%EOF.
std::string base() {
    return "%PDF-1.7\n"
           "1 0 obj\n<< /Type /Catalog /Pages 2 0 R /AcroForm 6 0 R >>\nendobj\n"
           "2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
           "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>\n"
           "endobj\n"
           "4 0 obj\n<< /Length 18 >>\nstream\nBT (Contract) Tj ET\nendstream\nendobj\n"
           "5 0 obj\n<< /FT /Tx /T (Nume) /V (Ion) /Rect [0 0 10 10] /Subtype /Widget >>\n"
           "endobj\n"
           "6 0 obj\n<< /Fields [5 0 R] >>\nendobj\n"
           "trailer\n<< /Root 1 0 R /Size 7 >>\n%%EOF\n";
}

std::string object(unsigned num, const std::string& body) {
    return std::to_string(num) + " 0 obj\n" + body + "\nendobj\n";
}

std::vector<DocumentChange> changes(const std::string& update, int permission = 3) {
    const std::string signed_part = base();
    const std::string doc = signed_part + update + "trailer\n<< /Root 1 0 R >>\n%%EOF\n";
    auto scanned = syntax::scanDocument(doc, "test.pdf", {}, false);
    return classifyChanges(scanned, signed_part.size(), permission, 64);
}

bool has(const std::vector<DocumentChange>& all, const std::string& what, bool allowed) {
    for (const auto& c : all)
        if (c.what == what && c.allowed == allowed) return true;
    return false;
}

TEST(Revisions, AnObjectWrittenAgainUnchangedIsNoChange) {
    auto c =
        changes(object(3, "<</Type/Page /Parent 2 0 R\n/MediaBox[0 0 595 842]/Contents 4 0 R>>"));
    EXPECT_TRUE(c.empty()) << c.front().what;
}

TEST(Revisions, ChangedPageContentIsNamedAndNeverAllowed) {
    auto c = changes(object(4, "<< /Length 20 >>\nstream\nBT (Contract 2) Tj ET\nendstream"));
    ASSERT_EQ(c.size(), 1u);
    EXPECT_TRUE(has(c, "page 1: its content was changed", false));
}

TEST(Revisions, AnAddedPageIsNotAllowed) {
    auto c = changes(object(2, "<< /Type /Pages /Kids [3 0 R 7 0 R] /Count 2 >>") +
                     object(7, "<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>"));
    EXPECT_TRUE(has(c, "a page was added", false));
    EXPECT_TRUE(has(c, "pages were added, removed or reordered", false));
}

TEST(Revisions, AnnotationsNeedPermissionThreeFormFillingTwo) {
    const std::string annotate =
        object(3,
               "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
               "/Annots [8 0 R] >>") +
        object(8, "<< /Type /Annot /Subtype /Text /Rect [0 0 20 20] /Contents (Ok) >>");
    auto three = changes(annotate, 3);
    EXPECT_TRUE(has(three, "an annotation (comment) was added", true));
    EXPECT_EQ(three.size(), 1u);  // the page's /Annots alone is not a change of its own
    EXPECT_TRUE(has(changes(annotate, 2), "an annotation (comment) was added", false));

    const std::string fill = object(5,
                                    "<< /FT /Tx /T (Nume) /V (Maria) /Rect [0 0 10 10] "
                                    "/Subtype /Widget >>");
    EXPECT_TRUE(has(changes(fill, 2), "form field \"Nume\" was filled in", true));
    EXPECT_TRUE(has(changes(fill, 1), "form field \"Nume\" was filled in", false));
}

TEST(Revisions, ValidationDataAndDocumentTimestampsAreAlwaysAllowed) {
    auto c = changes(object(1, "<< /Type /Catalog /Pages 2 0 R /AcroForm 6 0 R /DSS 9 0 R >>") +
                         object(9, "<< /Type /DSS /Certs [10 0 R] >>") +
                         object(10, "<< /Length 3 >>\nstream\nabc\nendstream") +
                         object(11,
                                "<< /Type /DocTimeStamp /SubFilter /ETSI.RFC3161 "
                                "/ByteRange [0 1 2 3] /Contents <00> >>"),
                     1);
    EXPECT_TRUE(has(c, "validation data (DSS) was added", true));
    EXPECT_TRUE(has(c, "a document timestamp was added", true));
    for (const auto& x : c) EXPECT_TRUE(x.allowed) << x.what;
}

TEST(Revisions, OtherCatalogChangesAreNamed) {
    auto c = changes(object(1,
                            "<< /Type /Catalog /Pages 2 0 R /AcroForm 6 0 R "
                            "/OpenAction 12 0 R >>"));
    EXPECT_TRUE(has(c, "the document catalog was changed (/OpenAction)", false));
}

TEST(Revisions, TheDocMdpPermissionIsReadFromTheCertificationSignature) {
    const std::string doc =
        "%PDF-1.7\n" + object(1, "<< /Type /Catalog /Pages 2 0 R /Perms << /DocMDP 3 0 R >> >>") +
        object(2, "<< /Type /Pages /Kids [] /Count 0 >>") +
        object(3,
               "<< /Type /Sig /ByteRange [0 1 2 3] /Reference [<< /Type /SigRef "
               "/TransformMethod /DocMDP /TransformParams << /Type /TransformParams /P 1 "
               "/V /1.2 >> >>] >>") +
        "trailer\n<< /Root 1 0 R >>\n%%EOF\n";
    auto scanned = syntax::scanDocument(doc, "test.pdf", {}, false);
    EXPECT_EQ(docMdpPermission(scanned, 64), 1);
    // The scanned document points into the bytes: they must outlive it.
    const std::string plainBytes = base();
    auto plain = syntax::scanDocument(plainBytes, "test.pdf", {}, false);
    EXPECT_FALSE(docMdpPermission(plain, 64).has_value());
}

}  // namespace
}  // namespace certagent::pdf::detail
