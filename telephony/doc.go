// Package telephony models RingCentral telephony-session notifications: the
// Session body, its Parties and their Status, with the documented status
// codes and reasons as typed constants.
//
// Start with Session, which notify.Decode fills in for the account and
// extension telephony/sessions filters; ParseSession decodes a body on its
// own. Status codes and reasons outside the documented sets are kept as they
// came, and the guide's spellings "Voicemail" and "VMScreening" are
// normalised to VoiceMail and VoiceMailScreening.
package telephony
