// Crafted PDFs (issue #22): every one is refused by verifyPdf/inspectPdf with an error naming
// the file, before PoDoFo parses it. The documents are made here, in memory; none is stored.
#include <certagent/core/error.hpp>
#include <certagent/core/pdf/inspect.hpp>
#include <certagent/core/pdf/limits.hpp>
#include <certagent/core/pdf/sign.hpp>
#include <certagent/core/pdf/simple_pdf.hpp>
#include <certagent/core/pdf/verify.hpp>
#include <temp_dir.hpp>

#include <gtest/gtest.h>
#include <openssl/x509v3.h>
#include <zlib.h>

namespace certagent::pdf {
namespace {

namespace fs = std::filesystem;
using certagent::testing::readFile;
using certagent::testing::TempDir;
using certagent::testing::writeFile;

// A PDF whose xref table points at each object in `objects` (numbered from 1; object 1 is the
// catalog's slot), plus `extra` xref entries at given offsets of the body.
std::string makePdf(const std::vector<std::string>& objects, const std::string& junk = {},
                    std::vector<std::size_t> junk_offsets = {}) {
    std::string out = "%PDF-1.5\n";
    std::vector<std::size_t> offsets;
    for (std::size_t i = 0; i < objects.size(); ++i) {
        offsets.push_back(out.size());
        out += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
    }
    const std::size_t junk_at = out.size();
    out += junk;
    for (auto o : junk_offsets) offsets.push_back(junk_at + o);
    const std::size_t xref = out.size();
    out += "xref\n0 " + std::to_string(offsets.size() + 1) + "\n0000000000 65535 f \n";
    for (auto o : offsets) {
        char line[32];
        std::snprintf(line, sizeof line, "%010zu 00000 n \n", o);
        out += line;
    }
    out += "trailer\n<< /Size " + std::to_string(offsets.size() + 1) +
           " /Root 1 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
    return out;
}

const std::string kCatalog = "<< /Type /Catalog /Pages 2 0 R >>";
const std::string kPages = "<< /Type /Pages /Kids [] /Count 0 >>";

std::string nestedDicts(int depth) {
    std::string s;
    for (int i = 0; i < depth; ++i) s += "<< /A ";
    s += "1";
    for (int i = 0; i < depth; ++i) s += " >>";
    return s;
}

std::string deflate(const std::string& in) {
    uLongf len = compressBound(static_cast<uLong>(in.size()));
    std::string out(len, '\0');
    compress(reinterpret_cast<Bytef*>(out.data()), &len,
             reinterpret_cast<const Bytef*>(in.data()), static_cast<uLong>(in.size()));
    out.resize(len);
    return out;
}

class PdfLimitsTest : public ::testing::Test {
  protected:
    // The message of the InvalidInput error verifyPdf throws (empty if it did not throw one).
    std::string verifyError(const std::string& pdf) {
        const fs::path file = dir_ / "crafted.pdf";
        writeFile(file, pdf);
        try {
            verifyPdf(file, static_cast<X509_STORE*>(nullptr));
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::InvalidInput) << e.what();
            EXPECT_NE(std::string(e.what()).find("crafted.pdf"), std::string::npos) << e.what();
            return e.what();
        }
        return {};
    }
    TempDir dir_{"certagent-pdf-limits"};
};

TEST_F(PdfLimitsTest, TwentyThousandNestedDictionariesAreRefusedNotACrash) {
    const auto e = verifyError(makePdf({kCatalog, kPages, nestedDicts(20000)}));
    EXPECT_NE(e.find("nested more than 64 levels"), std::string::npos) << e;
    EXPECT_NE(e.find("byte"), std::string::npos) << e;
}

TEST_F(PdfLimitsTest, EightHundredNestedArraysAreRefused) {
    std::string arrays(800, '[');
    arrays += std::string(800, ']');
    const auto e = verifyError(makePdf({kCatalog, kPages, arrays}));
    EXPECT_NE(e.find("nested more than 64 levels"), std::string::npos) << e;
}

TEST_F(PdfLimitsTest, NestingWithinTheLimitIsNotRefusedForIt) {
    const auto e = verifyError(makePdf({kCatalog, kPages, nestedDicts(60)}));
    EXPECT_NE(e.find("contains no signature"), std::string::npos) << e;
}

// The xref points into what a front-to-back reading sees as a string: a parser starting there
// reads a deeply nested object, so the depth is measured from every "obj" keyword.
TEST_F(PdfLimitsTest, DeepObjectHiddenInsideAStringIsRefused) {
    const std::string hidden = "(3 0 obj\n" + nestedDicts(500) + ")";
    const auto e = verifyError(makePdf({kCatalog, kPages, "null"}, hidden, {1}));
    EXPECT_NE(e.find("nested more than 64 levels"), std::string::npos) << e;
}

TEST_F(PdfLimitsTest, DeepObjectInACompressedObjectStreamIsRefused) {
    const std::string inner = nestedDicts(300);
    const std::string header = "4 0 ";
    const std::string body = deflate(header + inner);
    const std::string objstm = "<< /Type /ObjStm /N 1 /First " + std::to_string(header.size()) +
                               " /Filter /FlateDecode /Length " + std::to_string(body.size()) +
                               " >>\nstream\n" + body + "\nendstream";
    const auto e = verifyError(makePdf({kCatalog, kPages, objstm}));
    EXPECT_NE(e.find("in a compressed object stream"), std::string::npos) << e;
}

// The bytes "endstream" inside the compressed data (a stored deflate block) must not end the
// scan's view of the stream early: PoDoFo goes by /Length and would decode the rest.
TEST_F(PdfLimitsTest, EndstreamBytesInsideAnObjectStreamDoNotHideWhatFollows) {
    const std::string text = "(endstream) ";
    const std::string header = "4 0 5 " + std::to_string(text.size()) + " ";
    const std::string inner = header + text + nestedDicts(300);
    uLongf len = compressBound(static_cast<uLong>(inner.size()));
    std::string stored(len, '\0');
    compress2(reinterpret_cast<Bytef*>(stored.data()), &len,
              reinterpret_cast<const Bytef*>(inner.data()), static_cast<uLong>(inner.size()), 0);
    stored.resize(len);
    ASSERT_NE(stored.find("endstream"), std::string::npos);
    // Object 4 is the string, object 5 the nested dictionary after it.
    const std::string objstm = "<< /Type /ObjStm /N 2 /First " + std::to_string(header.size()) +
                               " /Filter /FlateDecode /Length " + std::to_string(stored.size()) +
                               " >>\nstream\n" + stored + "\nendstream";
    const auto e = verifyError(makePdf({kCatalog, kPages, objstm}));
    EXPECT_NE(e.find("nested more than 64 levels"), std::string::npos) << e;
}

// PoDoFo would decode it; the scan cannot, so a document PoDoFo is about to parse (inspect,
// sign) is refused. verifyPdf never runs PoDoFo: there the stream is only not read.
TEST_F(PdfLimitsTest, ObjectStreamWithAFilterThatCannotBeCheckedIsRefusedBeforeParsing) {
    const std::string objstm =
        "<< /Type /Obj#53tm /N 1 /First 4 /Filter /ASCIIHexDecode /Length 8 >>\nstream\n"
        "34203020>\nendstream";
    const std::string pdf = makePdf({kCatalog, kPages, objstm});
    try {
        checkDocumentLimits(pdf, "hex.pdf");
        ADD_FAILURE() << "an object stream that cannot be checked passed";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("cannot check (ASCIIHexDecode)"), std::string::npos)
            << e.what();
    }
    const fs::path file = dir_ / "hex.pdf";
    writeFile(file, pdf);
    EXPECT_THROW(inspectPdf(file), Error);
    const auto e = verifyError(pdf);
    EXPECT_NE(e.find("contains no signature"), std::string::npos) << e;
}

TEST_F(PdfLimitsTest, TenThousandByteRangesAreRefusedAtOnce) {
    std::string sig = "<< /Type /Sig /Contents <" + std::string(20000, '0') + "> >>";
    std::string ranges;
    for (int i = 0; i < 10000; ++i) ranges += "/ByteRange [0 10 20030 0]\n";
    const auto e = verifyError(makePdf({kCatalog, kPages, sig, "<< " + ranges + " >>"}));
    EXPECT_NE(e.find("more than 100 signature byte ranges"), std::string::npos) << e;
}

TEST_F(PdfLimitsTest, ByteRangeWithMoreThanTwoRangesIsMalformed) {
    const fs::path file = dir_ / "ranges.pdf";
    writeFile(file, makePdf({kCatalog, kPages, "<< /Type /Sig /ByteRange [0 1 2 3 4 5] >>"}));
    const auto reports = verifyPdf(file, static_cast<X509_STORE*>(nullptr));
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].status, SignatureStatus::Malformed);
    EXPECT_NE(reports[0].message.find("more than two ranges"), std::string::npos);
}

TEST_F(PdfLimitsTest, ObjectCountAndFileSizeLimitsNameTheFile) {
    const std::string pdf = makePdf({kCatalog, kPages, "1", "2", "3"});
    DocumentLimits few;
    few.max_objects = 4;
    try {
        checkDocumentLimits(pdf, "many.pdf", few);
        ADD_FAILURE() << "five objects passed a limit of four";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("many.pdf has more than 4 objects"),
                  std::string::npos)
            << e.what();
    }
    DocumentLimits small;
    small.max_file_bytes = 100;
    EXPECT_THROW(checkDocumentLimits(pdf, "big.pdf", small), Error);
    EXPECT_NO_THROW(checkDocumentLimits(pdf, "ok.pdf"));
}

TEST_F(PdfLimitsTest, ObjectsOverlappingOverAndOverAreRefusedAsTooIntricate) {
    // Each "obj" inside the strings starts an array that only the final ] closes.
    std::string body = "[ ";
    for (int i = 0; i < 20000; ++i) body += "(9 0 obj [ x) ";
    body += "]";
    const auto e = verifyError(makePdf({kCatalog, kPages, body}));
    EXPECT_NE(e.find("would take too long"), std::string::npos) << e;
}

TEST_F(PdfLimitsTest, InspectRefusesDeeplyNestedPageContents) {
    const std::string content = std::string(200, '[') + std::string(200, ']') + " 0 d";
    const std::string pdf = makePdf(
        {kCatalog,
         "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
         "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 100] /Contents 4 0 R /Resources << "
         "/XObject << /Im 5 0 R >> >> >>",
         "<< /Length " + std::to_string(content.size()) + " >>\nstream\n" + content +
             "\nendstream",
         "<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray "
         "/BitsPerComponent 8 /Length 1 >>\nstream\nx\nendstream"});
    const fs::path file = dir_ / "page.pdf";
    writeFile(file, pdf);
    try {
        inspectPdf(file);
        ADD_FAILURE() << "nested page contents were inspected";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("in the contents of page 1"), std::string::npos)
            << e.what();
    }
}

// The signature dictionary's keys are read without PoDoFo: the name, sub-filter and field
// name still come through for a real signature.
TEST_F(PdfLimitsTest, SignatureDictionaryKeysAreStillReported) {
    EvpPkeyPtr key(EVP_EC_gen("P-256"));
    X509Ptr cert(X509_new());
    X509_set_version(cert.get(), 2);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(cert.get()), "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>("Test"), -1, -1, 0);
    X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
    X509_set_pubkey(cert.get(), key.get());
    X509_sign(cert.get(), key.get(), EVP_sha256());
    const fs::path in = dir_ / "in.pdf", out = dir_ / "signed.pdf";
    makeSimplePdf(in, {"Declarație", {"text"}});
    KeySigner signer(key.get(), cert.get());
    SignOptions options;
    options.name = "Ștefan Țărână";
    options.reason = "Aprob";
    signPdf(in, out, signer, options);
    const auto reports = verifyPdf(out, static_cast<X509_STORE*>(nullptr));
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].name, "Ștefan Țărână");
    EXPECT_EQ(reports[0].reason, "Aprob");
    EXPECT_EQ(reports[0].sub_filter, "ETSI.CAdES.detached");
    EXPECT_FALSE(reports[0].field_name.empty());
    EXPECT_TRUE(reports[0].cms_valid);
}

}  // namespace
}  // namespace certagent::pdf

namespace certagent::pdf {
namespace {

// 300 dpi over a page size written with two decimals measures 299.98; 1% is rounding.
TEST(ScanResolution, OnePercentBelowTheRequiredDpiIsRoundingNotALowScan) {
    EXPECT_TRUE(meetsResolution(299.98, 300));
    EXPECT_TRUE(meetsResolution(297.0, 300));
    EXPECT_TRUE(meetsResolution(600, 300));
    EXPECT_FALSE(meetsResolution(296.9, 300));
    EXPECT_FALSE(meetsResolution(150, 300));
}

}  // namespace
}  // namespace certagent::pdf
