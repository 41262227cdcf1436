-- This month's control group: the customers of the contact list held back (campaign_assignment,
-- arm 'control'), with the columns of contact_list, ranked the same way. They get no offer this
-- month; the analyst keeps them apart so that the campaign's effect can be measured when the
-- outcome arrives (campaign_results). Not published as a file for marketers.
{{ campaign_arm_list('control') }}
