//! Directory entries: LDAP `userSMIMECertificate` (a certs-only SignedData) and
//! `userCertificate` (a DER certificate).
