-- Customers at risk (a band of var at_risk_bands) whose favourite category is kids' goods (group
-- kids of var shop_vocabulary.categories): a campaign in the category they come for.
{{ at_risk_in_category_group('kids') }}
