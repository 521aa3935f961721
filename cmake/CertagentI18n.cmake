# GNU gettext catalogs: agent/po/<lang>.po -> <stage>/share/locale/<lang>/LC_MESSAGES/certagent.mo
find_program(MSGFMT_EXECUTABLE msgfmt REQUIRED)
find_program(XGETTEXT_EXECUTABLE xgettext)
find_program(MSGCMP_EXECUTABLE msgcmp)
