-- What each price is for, as the user's Billing page lists it: per channel, the guide's
-- category (WhatsApp's UIC, MIC, SIC, Auth, Auth INT) and the message type.

ALTER TABLE prices ADD COLUMN message_type text NOT NULL DEFAULT '';

UPDATE prices SET message_type = CASE price_code
    WHEN 'SMS_SEGMENT'   THEN 'Text (per segment)'
    WHEN 'WA_UIC'        THEN 'Template: UTILITY'
    WHEN 'WA_MIC'        THEN 'Template: MARKETING'
    WHEN 'WA_SIC'        THEN 'Template: SERVICE (or none)'
    WHEN 'WA_AUTH'       THEN 'Template: AUTHENTICATION, domestic recipient'
    WHEN 'WA_AUTH_INT'   THEN 'Template: AUTHENTICATION, international recipient'
    WHEN 'RCS_TEXT'      THEN 'Text'
    WHEN 'RCS_RICH_CARD' THEN 'Rich card'
    WHEN 'RCS_CAROUSEL'  THEN 'Carousel'
    WHEN 'VOICE_CALL'    THEN 'Call (text-to-speech)'
    ELSE message_type
END;

UPDATE prices SET description = 'WhatsApp SIC: service-initiated (SERVICE template, or no category)'
    WHERE price_code = 'WA_SIC';
