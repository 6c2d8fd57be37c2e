/** The local venue simulator: public API. */
export { startSimulator, type Simulator, type SimulatorOptions, type SimulatorStats } from "./simulator";
export { attackSchema, GARBAGE_MODES, type Attack, type AttackInput, type GarbageMode } from "./attacks";
export { PriceModel, WEATHER_VARIABLES, type PriceModelOptions, type VenueQuote, type WeatherVariable } from "./price-model";
export { loadScenario, parseScenario, ScenarioError, type Scenario } from "./scenario";
export { VENUE_PROFILES } from "./venue-profiles";
export {
  ATTACK_KINDS,
  CRYPTO_VENUE_IDS,
  DATA_API_IDS,
  OUTAGE_KINDS,
  SIMULATED_SOURCE_IDS,
  type AttackKind,
  type OutageKind,
  type SimulatedSourceId,
} from "./vocabulary";
export { venueSymbol, krakenPairKey, bitfinexSymbol, parseVenueSymbol } from "./symbols";
export { ASSETS } from "./assets";
