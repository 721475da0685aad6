#include "text/phone.hpp"

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

namespace latchkey {

Result<PhoneNumber> ParsePhone(std::string_view text, std::string_view default_region) {
  using i18n::phonenumbers::PhoneNumberUtil;
  if (text.empty() || text.size() > 64) {
    return Status::InvalidArgument("invalid_phone", "Enter a phone number.", "phone");
  }
  const PhoneNumberUtil* util = PhoneNumberUtil::GetInstance();
  i18n::phonenumbers::PhoneNumber parsed;
  const std::string region = default_region.empty() ? "ZZ" : std::string(default_region);
  if (util->Parse(std::string(text), region, &parsed) != PhoneNumberUtil::NO_PARSING_ERROR) {
    return Status::InvalidArgument(
        "invalid_phone",
        default_region.empty()
            ? "That is not a phone number. Enter it with the country code, like +44 7700 900123."
            : "That is not a phone number.",
        "phone");
  }
  if (!util->IsValidNumber(parsed)) {
    return Status::InvalidArgument("invalid_phone",
                                   "That phone number does not exist. Check the digits and the country code.",
                                   "phone");
  }
  PhoneNumber out;
  util->Format(parsed, PhoneNumberUtil::E164, &out.e164);
  out.country_code = parsed.country_code();
  util->GetRegionCodeForNumber(parsed, &out.region);
  switch (util->GetNumberType(parsed)) {
    case PhoneNumberUtil::MOBILE: out.type = PhoneLineType::kMobile; break;
    case PhoneNumberUtil::FIXED_LINE: out.type = PhoneLineType::kFixedLine; break;
    case PhoneNumberUtil::FIXED_LINE_OR_MOBILE: out.type = PhoneLineType::kFixedLineOrMobile; break;
    case PhoneNumberUtil::VOIP: out.type = PhoneLineType::kVoip; break;
    case PhoneNumberUtil::TOLL_FREE: out.type = PhoneLineType::kTollFree; break;
    case PhoneNumberUtil::PREMIUM_RATE: out.type = PhoneLineType::kPremiumRate; break;
    case PhoneNumberUtil::SHARED_COST: out.type = PhoneLineType::kSharedCost; break;
    case PhoneNumberUtil::PERSONAL_NUMBER: out.type = PhoneLineType::kPersonalNumber; break;
    case PhoneNumberUtil::UAN: out.type = PhoneLineType::kUan; break;
    case PhoneNumberUtil::PAGER: out.type = PhoneLineType::kPager; break;
    case PhoneNumberUtil::VOICEMAIL: out.type = PhoneLineType::kVoicemail; break;
    default: out.type = PhoneLineType::kUnknown; break;
  }
  return out;
}

int CallingCodeForRegion(std::string_view region) {
  return i18n::phonenumbers::PhoneNumberUtil::GetInstance()->GetCountryCodeForRegion(
      std::string(region));
}

}  // namespace latchkey
