-- A template's compliance check as made when it was submitted (the ai service's verdict:
-- riskScore, riskLevel, warnings, and the text it was made on); NULL when the ai service
-- could not be reached then. The admin's approvals queue shows it.
ALTER TABLE templates ADD COLUMN compliance jsonb;
